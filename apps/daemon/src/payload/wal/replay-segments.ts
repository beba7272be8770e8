/**
 * WAL replay at open: reads the segments in order and hands each valid record to `apply`. Replay
 * stops at the first torn or corrupt record (format.ts): the segment is cut there (a damaged one
 * is first copied aside under CORRUPT_SUFFIX) and later segments are set aside, never replayed,
 * so new records never follow a bad one. A zero-filled rest of a segment (preallocation, wal.ts)
 * is a clean end, also before a later segment.
 */
import { promises as fsp } from "node:fs";
import path from "node:path";
import type pino from "pino";
import { declaredEnd, decodeRecord, type WalRecord, zeroFrom } from "./format.ts";

/** A segment (or the part of one) past a corrupt record is kept under this suffix, not replayed. */
export const CORRUPT_SUFFIX = ".corrupt";
export const SEGMENT_RE = /^seg-([0-9a-f]{16})\.wal$/;

export interface Segment {
  id: number;
  file: string;
  lastSeq: number;
  bytes: number;
}

export async function replaySegments(
  dir: string,
  logger: pino.Logger,
  apply: (record: WalRecord) => Promise<void> | void,
): Promise<{ segments: Segment[]; lastSeq: number }> {
  const segments: Segment[] = [];
  const names = (await fsp.readdir(dir)).filter((n) => SEGMENT_RE.test(n)).sort();
  let prevSeq = -1;
  let stopped = false;
  let replayed = 0;
  for (const name of names) {
    const id = Number.parseInt(SEGMENT_RE.exec(name)![1]!, 16);
    const file = path.join(dir, name);
    if (stopped) {
      // Records past a torn or corrupt one cannot be trusted to follow it: set them aside (kept
      // for an operator, never replayed) so new records never follow the bad one.
      await fsp.rename(file, `${file}${CORRUPT_SUFFIX}`);
      continue;
    }
    const buf = await fsp.readFile(file);
    let at = 0;
    while (at < buf.length) {
      // The zero-filled rest of a preallocated segment: a clean end (also before a later segment).
      if (zeroFrom(buf, at)) break;
      const r = decodeRecord(buf, at);
      const reason = !r.ok ? r.reason : r.record.seq <= prevSeq ? "sequence out of order" : null;
      if (reason !== null || !r.ok) {
        logger.warn({ segment: name, offset: at, reason }, "wal replay stopped at a torn or corrupt record");
        stopped = true;
        // A torn tail is the normal mark of a crash; anything else is damage worth keeping.
        const torn = (!r.ok && r.reason.startsWith("torn")) || zeroFrom(buf, declaredEnd(buf, at));
        if (!torn) await fsp.copyFile(file, `${file}${CORRUPT_SUFFIX}`);
        await fsp.truncate(file, at);
        break;
      }
      await apply(r.record);
      replayed++;
      prevSeq = r.record.seq;
      at += r.record.size;
    }
    segments.push({ id, file, lastSeq: prevSeq, bytes: at });
  }
  if (replayed > 0) logger.info({ records: replayed, segments: segments.length }, "wal replayed");
  return { segments, lastSeq: Math.max(prevSeq, 0) };
}
