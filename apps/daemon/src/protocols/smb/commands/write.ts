/**
 * SMB2 WRITE ([MS-SMB2] §2.2.21, §2.2.22, §3.3.5.13): the wire checks here, then one file-service
 * write (range, lock and permission checks, then payload and size). WRITE_THROUGH asks for
 * file_sync durability.
 */
import { vouch } from "../../../domain/buffer-pool.ts";
import { grantedCall } from "../calls.ts";
import { FILE_APPEND_DATA, FILE_WRITE_DATA, SMB2_WRITEFLAG_WRITE_THROUGH } from "../constants.ts";
import {
  STATUS_ACCESS_DENIED,
  STATUS_FILE_LOCK_CONFLICT,
  STATUS_INVALID_DEVICE_REQUEST,
  STATUS_INVALID_PARAMETER,
} from "../ntstatus.ts";
import { breakReadCaching } from "../oplocks.ts";
import { type CommandSpec, type Reply, readFileId, type SmbRequest } from "../request.ts";
import { SmbError, withStatus } from "../status.ts";
import { SmbWriter, slice } from "../wire.ts";
import { noteWrite } from "../write-time.ts";

const APPEND_OFFSET = 0xffffffffffffffffn;
const INT64_MAX = 0x7fffffffffffffffn;
/** Largest file size Windows (and Samba's tests) accept: 16 TiB - 64 KiB. */
export const MAX_FILE_BYTES = 0xfffffff0000n;

export async function write(req: SmbRequest): Promise<Reply> {
  const r = req.reader();
  const dataOffset = r.u16();
  const length = r.u32();
  const offset = r.u64();
  const open = req.open(readFileId(r));
  r.u32(); // Channel
  r.u32(); // RemainingBytes
  r.u32(); // WriteChannelInfoOffset + Length
  const flags = r.u32();
  if (open.isDir) throw new SmbError(STATUS_INVALID_DEVICE_REQUEST);
  if (!open.tree.writable) throw new SmbError(open.tree.readOnlyStatus);
  if (!(open.grantedAccess & (FILE_WRITE_DATA | FILE_APPEND_DATA))) throw new SmbError(STATUS_ACCESS_DENIED);
  if (length > req.server.config.maxWriteBytes) throw new SmbError(STATUS_INVALID_PARAMETER, "Length");
  const data = slice(req.msg, dataOffset, length, req.server.config.maxWriteBytes);
  // §3.3.5.13: all-ones means "append" only for an open with append but not write access.
  const append = offset === APPEND_OFFSET && !(open.grantedAccess & FILE_WRITE_DATA);
  if (!append && offset + BigInt(length) > INT64_MAX) throw new SmbError(STATUS_INVALID_PARAMETER, "Offset");
  if (!append && length > 0 && offset + BigInt(length) > MAX_FILE_BYTES) {
    throw new SmbError(STATUS_INVALID_PARAMETER, "past the maximum file size");
  }
  // An unchained frame (no other command in it could keep a view of it) holds nothing but `data`
  // once read: the payload cache may keep it and the pool reuse it afterwards (buffer-pool.ts).
  if (req.header.NextCommand === 0 && req.msg.byteOffset === 0) vouch(req.msg);
  const sync = (flags & SMB2_WRITEFLAG_WRITE_THROUGH) !== 0 || (open.mode & 0x2) !== 0;
  const done = await withStatus({ EAGAIN: STATUS_FILE_LOCK_CONFLICT }, () =>
    req.server.ctx.files.write(grantedCall(open), {
      offset,
      data,
      stability: sync ? "file_sync" : "unstable",
      append,
      lock: { owner: open.lockOwner, windows: true },
      emptyChangesNothing: true,
      // [MS-FSA] §2.1.5.3: a write ends other opens' read caching (LEVEL_II / R), no ack awaited.
      beforeChange: () => breakReadCaching(req.server, open),
    }),
  );
  if (length > 0) {
    open.written = true;
    noteWrite(req.server, open, done.before.mtime);
  }
  open.position = done.offset + BigInt(length);
  const w = new SmbWriter(16);
  w.u16(17).u16(0).u32(length).u32(0).u16(0).u16(0);
  return { body: w.finish() };
}

export const WRITE: CommandSpec = {
  name: "WRITE",
  structureSize: 49,
  needsSession: true,
  needsTree: true,
  handle: write,
};
