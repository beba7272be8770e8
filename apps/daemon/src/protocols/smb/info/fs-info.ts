/** File system information classes for QUERY_INFO ([MS-FSCC] §2.5). */
import type { FsStat } from "../../../metadata/types.ts";
import { ALLOCATION_UNIT_BYTES, toFiletime } from "../attrs.ts";
import * as C from "../constants.ts";
import { type SmbWriter, utf16 } from "../wire.ts";

const SECTOR_BYTES = 512;
const SECTORS_PER_UNIT = ALLOCATION_UNIT_BYTES / SECTOR_BYTES;
/**
 * [MS-FSCC] §2.5.1 FileSystemAttributes: FILE_CASE_PRESERVED_NAMES | FILE_UNICODE_ON_DISK |
 * FILE_SUPPORTS_SPARSE_FILES | FILE_NAMED_STREAMS | FILE_SUPPORTS_EXTENDED_ATTRIBUTES (sparse
 * files: commands/ioctl-sparse.ts; streams and EAs: files/streams.ts, files/eas.ts).
 */
const FS_ATTRIBUTES = 0x00000002 | 0x00000004 | 0x00000040 | 0x00040000 | 0x00800000;
const FILE_DEVICE_DISK = 0x00000007;

export interface FsInput {
  stat: FsStat;
  label: string;
  serial: number;
  created: Date;
}

export interface FsClass {
  fixed: number;
  encode(w: SmbWriter, i: FsInput): SmbWriter;
}

const units = (bytes: number) => BigInt(Math.floor(bytes / ALLOCATION_UNIT_BYTES));

export const FS_INFO_CLASSES: Record<number, FsClass> = {
  [C.FileFsVolumeInformation]: {
    fixed: 24,
    encode: (w, i) => {
      const label = utf16(i.label);
      const ms = i.created.getTime();
      return w
        .u64(toFiletime({ sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1e6 }))
        .u32(i.serial)
        .u32(label.length)
        .u8(0)
        .u8(0)
        .bytes(label);
    },
  },
  [C.FileFsSizeInformation]: {
    fixed: 24,
    encode: (w, i) =>
      w.u64(units(i.stat.totalBytes)).u64(units(i.stat.availBytes)).u32(SECTORS_PER_UNIT).u32(SECTOR_BYTES),
  },
  [C.FileFsDeviceInformation]: { fixed: 8, encode: (w) => w.u32(FILE_DEVICE_DISK).u32(0) },
  [C.FileFsAttributeInformation]: {
    fixed: 16,
    encode: (w) => {
      const name = utf16("NTFS");
      return w.u32(FS_ATTRIBUTES).u32(255).u32(name.length).bytes(name);
    },
  },
  [C.FileFsFullSizeInformation]: {
    fixed: 32,
    encode: (w, i) =>
      w
        .u64(units(i.stat.totalBytes))
        .u64(units(i.stat.availBytes))
        .u64(units(i.stat.freeBytes))
        .u32(SECTORS_PER_UNIT)
        .u32(SECTOR_BYTES),
  },
  // Quotas are not enforced: no thresholds, no limits ([MS-FSCC] §2.5.2).
  [C.FileFsControlInformation]: {
    fixed: 48,
    encode: (w) => w.u64(0n).u64(0n).u64(0n).u64(-1n).u64(-1n).u32(0).u32(0),
  },
  [C.FileFsObjectIdInformation]: { fixed: 64, encode: (w, i) => w.u32(i.serial).zeros(60) },
  [C.FileFsSectorSizeInformation]: {
    fixed: 28,
    encode: (w) =>
      w.u32(SECTOR_BYTES).u32(SECTOR_BYTES).u32(SECTOR_BYTES).u32(SECTOR_BYTES).u32(0x3).u32(0).u32(0),
  },
};
