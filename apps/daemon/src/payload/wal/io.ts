/** File helpers of the WAL: resuming a short writev, making a new segment's name durable. */
import { promises as fsp } from "node:fs";

/** The buffers left after the first n bytes were written (a short writev). */
export function skipBytes(bufs: Buffer[], n: number): Buffer[] {
  const out: Buffer[] = [];
  for (const b of bufs) {
    if (n >= b.length) n -= b.length;
    else {
      out.push(n > 0 ? b.subarray(n) : b);
      n = 0;
    }
  }
  return out;
}

/** fsync of a directory: a created or renamed segment survives a crash. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
