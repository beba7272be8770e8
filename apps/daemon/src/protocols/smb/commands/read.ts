/**
 * SMB2 READ ([MS-SMB2] §2.2.19, §2.2.20, §3.3.5.12). Reads are clipped to the file size; at or
 * past the end the answer is STATUS_END_OF_FILE. A range locked by another open conflicts.
 */

import { releaseAll } from "../../../domain/buffer-pool.ts";
import { grantedCall } from "../calls.ts";
import { FILE_EXECUTE, FILE_READ_DATA, SMB2_HEADER_SIZE } from "../constants.ts";
import {
  STATUS_ACCESS_DENIED,
  STATUS_END_OF_FILE,
  STATUS_FILE_LOCK_CONFLICT,
  STATUS_INVALID_DEVICE_REQUEST,
  STATUS_INVALID_PARAMETER,
} from "../ntstatus.ts";
import { type CommandSpec, type Reply, readFileId, type SmbRequest } from "../request.ts";
import { SmbError, withStatus } from "../status.ts";
import { SmbWriter } from "../wire.ts";

/** Data starts right after the 16 fixed bytes of the response body (§2.2.20 DataOffset). */
export const INT64_MAX = 0x7fffffffffffffffn;
const READ_DATA_OFFSET = SMB2_HEADER_SIZE + 16;

function readResponse(dataLength: number): Buffer {
  return new SmbWriter(16).u16(17).u8(READ_DATA_OFFSET).u8(0).u32(dataLength).u32(0).u32(0).finish();
}

export async function read(req: SmbRequest): Promise<Reply> {
  const r = req.reader();
  r.u8(); // Padding
  r.u8(); // Flags
  const length = r.u32();
  const offset = r.u64();
  const open = req.open(readFileId(r));
  const minimumCount = r.u32();
  if (open.isDir) throw new SmbError(STATUS_INVALID_DEVICE_REQUEST);
  if (!(open.grantedAccess & (FILE_READ_DATA | FILE_EXECUTE))) throw new SmbError(STATUS_ACCESS_DENIED);
  if (length > req.server.config.maxReadBytes) throw new SmbError(STATUS_INVALID_PARAMETER, "Length");
  const ctx = req.server.ctx;
  // Windows: a range ending past INT64_MAX is invalid; beyond 2^53 nothing is stored (EOF).
  if (offset + BigInt(length) > INT64_MAX) throw new SmbError(STATUS_INVALID_PARAMETER, "Offset");
  if (offset > BigInt(Number.MAX_SAFE_INTEGER)) {
    if (length === 0 && minimumCount === 0) return { body: readResponse(0), data: Buffer.alloc(0) };
    throw new SmbError(STATUS_END_OF_FILE);
  }
  const lock =
    length > 0 ? { owner: open.lockOwner, offset, length: BigInt(length), windows: true } : undefined;
  const got = await withStatus({ EAGAIN: STATUS_FILE_LOCK_CONFLICT }, () =>
    // The reply holds the parts' memory until its write completed (reply-writer.ts).
    ctx.files.read(grantedCall(open), { offset: Number(offset), count: length, lock, hold: true }),
  );
  // At or past the end, or shorter than MinimumCount: END_OF_FILE (§3.3.5.12).
  const eof = got.length === 0 || got.length < minimumCount;
  if ((length === 0 && minimumCount === 0) || eof) {
    if (got.held !== undefined) releaseAll(got.held);
    if (length === 0 && minimumCount === 0) return { body: readResponse(0), data: Buffer.alloc(0) };
    throw new SmbError(STATUS_END_OF_FILE);
  }
  open.position = offset + BigInt(got.length);
  return { body: readResponse(got.length), data: got.parts, held: got.held };
}

export const READ: CommandSpec = {
  name: "READ",
  structureSize: 49,
  needsSession: true,
  needsTree: true,
  handle: read,
};
