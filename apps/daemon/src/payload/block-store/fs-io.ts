/** File helpers of the fs block store (fs.ts). */
import { constants, promises as fsp } from "node:fs";
import { FsError } from "../../domain/errors.ts";
import { skipBytes } from "../wal/io.ts";

/** iovecs per writev (Linux IOV_MAX is 1024). */
const WRITEV_BUFFERS_MAX = 1024;

export function toFsError(e: unknown, key: string): FsError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new FsError("ENOENT", key);
  if (code === "ENOSPC") return new FsError("ENOSPC", key);
  if (code === "EDQUOT") return new FsError("EDQUOT", key);
  return new FsError("EIO", `${key}: ${(e as Error).message}`);
}

export async function syncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, constants.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes the parts at file position `at`, resuming short writes; iovecs per call stay under IOV_MAX. */
export async function writeAll(fh: fsp.FileHandle, parts: readonly Buffer[], at = 0): Promise<void> {
  let pos = at;
  let bufs = parts.filter((b) => b.length > 0);
  while (bufs.length > 0) {
    const batch = bufs.slice(0, WRITEV_BUFFERS_MAX);
    const want = batch.reduce((n, b) => n + b.length, 0);
    const { bytesWritten } = await fh.writev(batch, pos);
    pos += bytesWritten;
    bufs = bytesWritten === want ? bufs.slice(batch.length) : skipBytes(bufs, bytesWritten);
  }
}

/** Bytes [offset, offset + length) of `file` (the key `key`; to its end without `length`), short at its end. */
export async function readRange(key: string, file: string, offset: number, length?: number): Promise<Buffer> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(file, "r");
  } catch (e) {
    throw toFsError(e, key);
  }
  try {
    const size = (await fh.stat()).size;
    const start = Math.min(offset, size);
    const end = length === undefined ? size : Math.min(size, start + length);
    const buf = Buffer.allocUnsafe(end - start);
    let done = 0;
    while (done < buf.length) {
      const { bytesRead } = await fh.read(buf, done, buf.length - done, start + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === buf.length ? buf : buf.subarray(0, done);
  } catch (e) {
    throw toFsError(e, key);
  } finally {
    await fh.close();
  }
}
