/**
 * The CRC32C of what a staging file holds (transfer/write-behind.ts), for the name an SMB CLOSE
 * seals it under (block-store/fs-sealed.ts, docs/payload.md "CLOSE"). It is kept as the file is
 * written: while each write continues the previous one from offset 0 (a streaming writer's frames,
 * each written once), the CRC follows the writes, so the CLOSE checksums nothing (before, it
 * read every byte of the file again on the CLOSE's path: about 40 ms per 256 MiB). A file written
 * otherwise (a block completed out of order, a rewrite of a staged range) is checksummed over its
 * slices when it is sealed.
 */
import { crc32c } from "@node-rs/crc32";
import { crcOf } from "../block-store/fs-sealed.ts";
import type { Slice } from "../cache/slices.ts";

/** The CRC32C of a staging file's bytes [0, end) while they were written in order, each once. */
export class StagedCrc {
  private crc = 0;
  private end = 0;
  private inOrder = true;

  /** `parts` were written at file offset `off`. */
  wrote(off: number, parts: readonly Buffer[]): void {
    if (!this.inOrder) return;
    if (off !== this.end) {
      this.inOrder = false; // a gap or an overlap: the file's bytes are no longer the writes in order
      return;
    }
    for (const b of parts) {
      this.crc = crc32c(b, this.crc);
      this.end += b.length;
    }
  }

  /**
   * The CRC32C and length of a file that holds exactly `slices` (each written whole, in slice
   * order, at its block offset): the one kept as it was written when that covers the file, else
   * computed over what it reads as.
   */
  of(slices: readonly Slice[]): { crc: number; length: number } {
    let length = 0;
    for (const s of slices) length = Math.max(length, s.off + s.len);
    if (this.inOrder && this.end === length) return { crc: this.crc >>> 0, length };
    return { crc: crcOf(fileContent(slices, length)), length };
  }
}

/**
 * What a staging file holding `slices` (written in order, newest last, at their block offsets)
 * reads as: the slices themselves when they tile [0, end) in order, else merged over zeros.
 */
function fileContent(slices: readonly Slice[], end: number): Buffer[] {
  let at = 0;
  const parts: Buffer[] = [];
  for (const s of slices) {
    if (s.off !== at) {
      const out = Buffer.alloc(end);
      for (const t of slices) t.buf.copy(out, t.off, 0, t.len);
      return [out];
    }
    parts.push(s.buf.subarray(0, s.len));
    at += s.len;
  }
  return parts;
}
