import { describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import * as S from "../ntstatus.ts";
import {
  ioctlBody,
  open,
  queryInfoBody,
  readBody,
  setInfoBody,
  writeBody,
  writeFile,
} from "../testing/bodies.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import type { FileId, SmbResponse, SmbTestClient } from "../testing/smb-client.ts";
import { SmbWriter } from "../wire.ts";

const KiB = 1024;
const FILE_SUPPORTS_SPARSE_FILES = 0x40;

const output = (r: SmbResponse) =>
  r.msg.subarray(r.body.readUInt32LE(32), r.body.readUInt32LE(32) + r.body.readUInt32LE(36));
const pair = (a: number, b: number) => new SmbWriter().u64(BigInt(a)).u64(BigInt(b)).finish();

const setSparse = (c: SmbTestClient, f: FileId, input: Buffer) =>
  c.send(C.SMB2_IOCTL, ioctlBody(C.FSCTL_SET_SPARSE, input, 0, f));
const zeroData = (c: SmbTestClient, f: FileId, from: number, beyond: number) =>
  c.send(C.SMB2_IOCTL, ioctlBody(C.FSCTL_SET_ZERO_DATA, pair(from, beyond), 0, f));

/** FSCTL_QUERY_ALLOCATED_RANGES as [status, [offset, length]...]. */
async function ranges(c: SmbTestClient, f: FileId, off: number, len: number, maxOut = 1024) {
  const r = await c.send(C.SMB2_IOCTL, ioctlBody(C.FSCTL_QUERY_ALLOCATED_RANGES, pair(off, len), maxOut, f));
  const o = r.status === 0 || r.status === S.STATUS_BUFFER_OVERFLOW ? output(r) : Buffer.alloc(0);
  const list: [number, number][] = [];
  for (let i = 0; i < o.length; i += 16)
    list.push([Number(o.readBigUInt64LE(i)), Number(o.readBigUInt64LE(i + 8))]);
  return { status: r.status, list };
}

async function attributes(c: SmbTestClient, f: FileId): Promise<number> {
  const r = await c.send(C.SMB2_QUERY_INFO, queryInfoBody(f, C.SMB2_0_INFO_FILE, C.FileBasicInformation));
  return r.msg.readUInt32LE(r.body.readUInt16LE(2) + 32);
}

describe("sparse files (FSCTL_SET_SPARSE, SET_ZERO_DATA, QUERY_ALLOCATED_RANGES)", () => {
  const fx = useSmbHarness();

  it("advertises FILE_SUPPORTS_SPARSE_FILES; the flag is set by the FSCTL only, and kept by SET_INFO", async () => {
    const c = await fx.login();
    const f = await open(c, "sp-flag.bin", { disposition: C.FILE_OVERWRITE_IF, attributes: 0x200 });
    const fs = await c.send(
      C.SMB2_QUERY_INFO,
      queryInfoBody(f, C.SMB2_0_INFO_FILESYSTEM, C.FileFsAttributeInformation),
    );
    expect(fs.msg.readUInt32LE(fs.body.readUInt16LE(2)) & FILE_SUPPORTS_SPARSE_FILES).toBe(
      FILE_SUPPORTS_SPARSE_FILES,
    );
    // CREATE ignores FILE_ATTRIBUTE_SPARSE_FILE ([MS-FSA] §2.1.5.1).
    expect((await attributes(c, f)) & C.FILE_ATTRIBUTE_SPARSE_FILE).toBe(0);
    expect((await setSparse(c, f, Buffer.alloc(0))).status).toBe(0); // no buffer: TRUE
    expect((await attributes(c, f)) & C.FILE_ATTRIBUTE_SPARSE_FILE).toBe(C.FILE_ATTRIBUTE_SPARSE_FILE);
    const hidden = new SmbWriter().zeros(32).u32(C.FILE_ATTRIBUTE_HIDDEN).u32(0).finish();
    expect(
      (await c.send(C.SMB2_SET_INFO, setInfoBody(f, C.SMB2_0_INFO_FILE, C.FileBasicInformation, hidden)))
        .status,
    ).toBe(0);
    expect(await attributes(c, f)).toBe(C.FILE_ATTRIBUTE_HIDDEN | C.FILE_ATTRIBUTE_SPARSE_FILE);
    expect((await setSparse(c, f, Buffer.from([0]))).status).toBe(0);
    expect(await attributes(c, f)).toBe(C.FILE_ATTRIBUTE_HIDDEN);
    const dir = await open(c, "sp-dir", { disposition: C.FILE_CREATE, options: C.FILE_DIRECTORY_FILE });
    expect((await setSparse(c, dir, Buffer.from([1]))).status).toBe(S.STATUS_INVALID_PARAMETER);
    const ro = await open(c, "sp-flag.bin", { access: C.FILE_READ_DATA | C.FILE_READ_ATTRIBUTES });
    expect((await setSparse(c, ro, Buffer.from([1]))).status).toBe(S.STATUS_ACCESS_DENIED);
    c.close();
  });

  it("zeroes a range in place, never past the end; a sparse file's zeroed units leave its allocated ranges", async () => {
    const c = await fx.login();
    await writeFile(c, "sp-zero.bin", Buffer.alloc(96 * KiB, 0x5a));
    const f = await open(c, "sp-zero.bin");
    // Not sparse: one range, clipped to the end of file.
    expect(await ranges(c, f, 0, 200 * KiB)).toEqual({ status: 0, list: [[0, 96 * KiB]] });
    expect((await zeroData(c, f, 4 * KiB, 8 * KiB)).status).toBe(0);
    expect((await zeroData(c, f, 90 * KiB, 200 * KiB)).status).toBe(0);
    expect((await zeroData(c, f, 9, 8)).status).toBe(S.STATUS_INVALID_PARAMETER);
    const r = await c.send(C.SMB2_READ, readBody(f, 0n, 200 * KiB));
    const data = r.msg.subarray(r.body.readUInt8(2), r.body.readUInt8(2) + r.body.readUInt32LE(4));
    const want = Buffer.alloc(96 * KiB, 0x5a);
    want.fill(0, 4 * KiB, 8 * KiB).fill(0, 90 * KiB);
    expect(data.equals(want)).toBe(true);
    expect(await ranges(c, f, 0, 200 * KiB)).toEqual({ status: 0, list: [[0, 96 * KiB]] });
    // Sparse: the all-zero allocation units are holes.
    expect((await setSparse(c, f, Buffer.from([1]))).status).toBe(0);
    expect(await ranges(c, f, 1, 200 * KiB)).toEqual({
      status: 0,
      list: [
        [1, 4 * KiB - 1],
        [8 * KiB, 84 * KiB], // the unit at 88 KiB still holds data below 90 KiB
      ],
    });
    expect(await ranges(c, f, 0, 200 * KiB, 16)).toEqual({
      status: S.STATUS_BUFFER_OVERFLOW,
      list: [[0, 4 * KiB]],
    });
    expect((await ranges(c, f, 0, 200 * KiB, 0)).status).toBe(S.STATUS_BUFFER_TOO_SMALL);
    expect(await ranges(c, f, 4 * KiB, 4 * KiB)).toEqual({ status: 0, list: [] });
    expect((await ranges(c, f, -1, 4 * KiB)).status).toBe(S.STATUS_INVALID_PARAMETER);
    // A write fills a hole again.
    expect((await c.send(C.SMB2_WRITE, writeBody(f, BigInt(5 * KiB), Buffer.from("x")))).status).toBe(0);
    expect((await ranges(c, f, 0, 12 * KiB)).list).toEqual([[0, 12 * KiB]]);
    const ro = await open(c, "sp-zero.bin", { access: C.FILE_READ_ATTRIBUTES });
    expect((await ranges(c, ro, 0, 4 * KiB)).status).toBe(S.STATUS_ACCESS_DENIED);
    c.close();
  });
});
