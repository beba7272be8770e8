/**
 * Server-side copy ([MS-SMB2] §2.2.31.1, §2.2.32.1, §3.3.5.15.5, §3.3.5.15.6):
 * FSCTL_SRV_REQUEST_RESUME_KEY names a source open; FSCTL_SRV_COPYCHUNK(_WRITE) on the destination
 * open copies chunks from it. Each chunk is one file-service read of the source and one write of
 * the destination with the tree's caller, the opens' lock owners and the usual byte-range lock
 * checks, so the data never crosses the wire and permissions are the caller's: the opens' granted
 * access decides, a stored ACL's grant included (calls.ts grantedCall), as for READ and WRITE.
 */
import { randomBytes } from "node:crypto";
import { grantedCall } from "../calls.ts";
import { findSessionOpen } from "../channels.ts";
import {
  FILE_APPEND_DATA,
  FILE_EXECUTE,
  FILE_READ_DATA,
  FILE_WRITE_DATA,
  FSCTL_SRV_COPYCHUNK,
} from "../constants.ts";
import {
  STATUS_ACCESS_DENIED,
  STATUS_FILE_LOCK_CONFLICT,
  STATUS_INVALID_PARAMETER,
  STATUS_INVALID_VIEW_SIZE,
  STATUS_OBJECT_NAME_NOT_FOUND,
} from "../ntstatus.ts";
import { breakReadCaching } from "../oplocks.ts";
import type { Open } from "../state.ts";
import { ntStatusOf, SmbError, withStatus } from "../status.ts";
import { SmbReader, SmbWriter } from "../wire.ts";
import type { FsctlCall, FsctlResult } from "./fsctl.ts";

/** §3.3.3 ServerSideCopyMaxNumberofChunks, MaxChunkSize, MaxDataSize (Windows' and Samba's values). */
export const COPYCHUNK_MAX_CHUNKS = 256;
export const COPYCHUNK_MAX_CHUNK_BYTES = 1024 * 1024;
export const COPYCHUNK_MAX_TOTAL_BYTES = 16 * 1024 * 1024;

/** §2.2.31.1 SRV_COPYCHUNK_COPY: SourceKey (24), ChunkCount, Reserved; then 24-byte chunks. */
const RESUME_KEY_BYTES = 24;
const COPY_HEADER_BYTES = 32;
const CHUNK_BYTES = 24;
/** §2.2.32.1 SRV_COPYCHUNK_RESPONSE: ChunksWritten, ChunkBytesWritten, TotalBytesWritten. */
const RESPONSE_BYTES = 12;
const INT64_MAX = 0x7fffffffffffffffn;

/** An open's resume key: its VolatileId, then random bytes kept on the open (unguessable). */
const resumeKeys = new WeakMap<Open, Buffer>();

/** §3.3.5.15.5: SRV_REQUEST_RESUME_KEY, the key (24 bytes), ContextLength 0 and 4 bytes of padding. */
export function requestResumeKey({ open }: FsctlCall & { open: Open }): FsctlResult {
  let key = resumeKeys.get(open);
  if (!key) {
    key = Buffer.concat([Buffer.alloc(8), randomBytes(RESUME_KEY_BYTES - 8)]);
    key.writeBigUInt64LE(open.volatileId, 0);
    resumeKeys.set(open, key);
  }
  return { output: Buffer.concat([key, Buffer.alloc(8)]) };
}

interface Chunk {
  source: bigint;
  target: bigint;
  length: number;
}

function response(chunks: number, chunkBytes: number, total: number): Buffer {
  return new SmbWriter(RESPONSE_BYTES).u32(chunks).u32(chunkBytes).u32(total).finish();
}

/** §3.3.5.15.6: over a limit, INVALID_PARAMETER carrying the limits themselves. */
function withinLimits(chunks: Chunk[]): boolean {
  if (chunks.length > COPYCHUNK_MAX_CHUNKS) return false;
  let total = 0;
  for (const c of chunks) {
    if (c.length === 0 || c.length > COPYCHUNK_MAX_CHUNK_BYTES) return false;
    total += c.length;
  }
  return total <= COPYCHUNK_MAX_TOTAL_BYTES;
}

function parse(input: Buffer): { key: Buffer; chunks: Chunk[] } | null {
  if (input.length < COPY_HEADER_BYTES) throw new SmbError(STATUS_INVALID_PARAMETER, "SRV_COPYCHUNK_COPY");
  const r = new SmbReader(input);
  const key = r.bytes(RESUME_KEY_BYTES);
  const count = r.u32();
  r.u32(); // Reserved
  if (count > COPYCHUNK_MAX_CHUNKS) return null;
  if (input.length < COPY_HEADER_BYTES + count * CHUNK_BYTES) {
    throw new SmbError(STATUS_INVALID_PARAMETER, "ChunkCount");
  }
  const chunks: Chunk[] = [];
  for (let i = 0; i < count; i++) {
    const source = r.u64();
    const target = r.u64();
    const length = r.u32();
    r.u32(); // Reserved
    chunks.push({ source, target, length });
  }
  return { key, chunks };
}

/** The source open by its resume key: this connection's opens, the key compared in full. */
function sourceOpen(call: FsctlCall & { open: Open }, key: Buffer): Open {
  const open = findSessionOpen(call.open.session, call.req.conn, key.readBigUInt64LE(0));
  const known = open && resumeKeys.get(open);
  if (!open || !known?.equals(key)) throw new SmbError(STATUS_OBJECT_NAME_NOT_FOUND, "resume key");
  return open;
}

/** §3.3.5.15.6 access checks (and Samba's: same session, no directories). */
function checkHandles(ctlCode: number, src: Open, dst: Open): void {
  const denied = (why: string) => new SmbError(STATUS_ACCESS_DENIED, why);
  if (src.session !== dst.session) throw denied("source open of another session");
  if (src.isDir || dst.isDir) throw denied("directory");
  if (!(dst.grantedAccess & (FILE_WRITE_DATA | FILE_APPEND_DATA))) throw denied("destination not writable");
  if (ctlCode === FSCTL_SRV_COPYCHUNK && !(dst.grantedAccess & FILE_READ_DATA)) {
    throw denied("destination not readable (FSCTL_SRV_COPYCHUNK)");
  }
  if (!(src.grantedAccess & (FILE_READ_DATA | FILE_EXECUTE))) throw denied("source not readable");
  if (!dst.tree.writable) throw new SmbError(dst.tree.readOnlyStatus);
}

async function copyOne(call: FsctlCall & { open: Open }, src: Open, c: Chunk): Promise<void> {
  const dst = call.open;
  const end = INT64_MAX - BigInt(c.length);
  if (c.source > end || c.target > end) throw new SmbError(STATUS_INVALID_PARAMETER, "chunk offset");
  const files = call.req.server.ctx.files;
  const got = await withStatus({ EAGAIN: STATUS_FILE_LOCK_CONFLICT }, () =>
    files.read(grantedCall(src), {
      offset: Number(c.source),
      count: c.length,
      lock: { owner: src.lockOwner, offset: c.source, length: BigInt(c.length), windows: true },
    }),
  );
  // §3.3.5.15.6: a source range past the end fails (Windows: INVALID_VIEW_SIZE, as Samba answers).
  if (got.length < c.length) throw new SmbError(STATUS_INVALID_VIEW_SIZE, "source range past the end");
  const data = got.parts.length === 1 ? got.parts[0]! : Buffer.concat(got.parts, got.length);
  await withStatus({ EAGAIN: STATUS_FILE_LOCK_CONFLICT }, () =>
    files.write(grantedCall(dst), {
      offset: c.target,
      data,
      stability: "unstable",
      lock: { owner: dst.lockOwner, windows: true },
      beforeChange: () => breakReadCaching(call.req.server, dst),
    }),
  );
  dst.written = true;
}

/**
 * §3.3.5.15.6 FSCTL_SRV_COPYCHUNK / _WRITE on the destination open. Errors after the limits
 * check still carry a response: the chunks fully written and their bytes.
 */
export async function copyChunk(call: FsctlCall & { open: Open }): Promise<FsctlResult> {
  if (call.maxOutput < RESPONSE_BYTES) throw new SmbError(STATUS_INVALID_PARAMETER, "MaxOutputResponse");
  const parsed = parse(call.input);
  if (!parsed || !withinLimits(parsed.chunks)) {
    const output = response(COPYCHUNK_MAX_CHUNKS, COPYCHUNK_MAX_CHUNK_BYTES, COPYCHUNK_MAX_TOTAL_BYTES);
    return { status: STATUS_INVALID_PARAMETER, output };
  }
  let written = 0;
  let total = 0;
  try {
    const src = sourceOpen(call, parsed.key);
    checkHandles(call.ctlCode, src, call.open);
    for (const c of parsed.chunks) {
      await copyOne(call, src, c);
      written++;
      total += c.length;
    }
  } catch (e) {
    return { status: ntStatusOf(e), output: response(written, 0, total) };
  }
  return { output: response(written, 0, total) };
}
