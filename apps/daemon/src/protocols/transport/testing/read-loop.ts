import type { FramedReader } from "../framed-reader.ts";

/**
 * Feeds `stream` the way the socket does (net.Socket `onread`): each read goes into readBuffer()
 * and holds at most `readMax(room)` bytes. Returns the requests and the distinct memory the reads
 * went into.
 */
export function readLoop(
  reader: FramedReader,
  stream: Buffer,
  readMax: (room: number) => number = (room) => room,
): { out: Buffer[]; targets: Set<ArrayBufferLike> } {
  const out: Buffer[] = [];
  const targets = new Set<ArrayBufferLike>();
  let off = 0;
  while (off < stream.length) {
    const target = reader.readBuffer();
    if (target.length === 0) throw new Error("empty read buffer (a socket would take it for EOF)");
    targets.add(target.buffer);
    const n = Math.min(readMax(target.length), stream.length - off);
    stream.copy(target, 0, off, off + n);
    off += n;
    for (const r of reader.filled(n)) out.push(r);
  }
  return { out, targets };
}
