/**
 * Sealed staged blocks (docs/payload.md "CLOSE"): an SMB CLOSE answers once each block of a new
 * file is in a staged temp file named after what it holds, `<seq>.<crc32c>.<length>+<key, '/' as
 * '+'>`, written but not fdatasynced (the kernel page cache survives a kill of the daemon, as
 * Samba's data does after its CLOSE). This file owns those names and the live process's count of
 * its sealed files; the next open() adopts what a dead process left (fs-adopt.ts).
 *
 * Bounded: every sealed file a process leaves is read whole (its CRC32C) and fdatasynced by the
 * next start, so a process keeps at most SEALED_FILES_MAX of them, SEALED_BYTES_MAX bytes in all.
 * Past that a seal is refused, and the CLOSE commits the payload instead (fdatasync, as a FLUSH):
 * slower, nothing lost. The start bounds what it verifies by the same numbers (fs-adopt.ts).
 */
import { promises as fsp } from "node:fs";
import { crc32c } from "@node-rs/crc32";
import { FsError } from "../../domain/errors.ts";
import { assertBlockKey } from "./keys.ts";

/**
 * Sealed files one process keeps at once, and what the next start verifies at most. Each costs
 * that start an open, a read, an fdatasync and a rename (a few ms on a disk); a CLOSE seals one
 * per block it has unpublished, and the idle upload publishes them about a second later.
 */
export const SEALED_FILES_MAX = 512;
/** Bytes of sealed files one process keeps at once (twice the default cache), read whole at the next start. */
export const SEALED_BYTES_MAX = 1024 * 1024 * 1024;

/** Longest file name on ext4/xfs; a block key of a valid payload id stays well below it. */
const NAME_BYTES_MAX = 255;
const SEALED_RE = /^(\d+)\.([0-9a-f]{8})\.(\d+)\+([A-Za-z0-9._+-]+)$/;

/** A bound on sealed files: how many, and their bytes in all. */
export interface SealedBound {
  files: number;
  bytes: number;
}

let lastSeq = 0;

/** A new name for a staged file of `key` holding `length` bytes of CRC32C `crc`, newer than any before. */
export function sealedName(key: string, crc: number, length: number): string {
  const seq = Math.max(Date.now() * 1000, lastSeq + 1); // newer than a previous process's, too
  lastSeq = seq;
  const name = `${seq}.${(crc >>> 0).toString(16).padStart(8, "0")}.${length}+${key.replaceAll("/", "+")}`;
  if (Buffer.byteLength(name) > NAME_BYTES_MAX) throw new Error(`block key too long to seal: ${key}`);
  return name;
}

export interface Sealed {
  seq: number;
  crc: number;
  length: number;
  key: string;
  name: string;
}

export function parseSealed(name: string): Sealed | null {
  const m = SEALED_RE.exec(name);
  if (m === null) return null;
  const key = m[4]!.replaceAll("+", "/");
  try {
    assertBlockKey(key);
  } catch {
    return null;
  }
  return { seq: Number(m[1]), crc: Number.parseInt(m[2]!, 16), length: Number(m[3]), key, name };
}

/** CRC32C of the concatenation of `parts`. */
export function crcOf(parts: readonly Buffer[]): number {
  let c = 0;
  for (const b of parts) c = crc32c(b, c);
  return c >>> 0;
}

/**
 * This process's sealed files: how many and how big (the bound above), and their removals in
 * flight. The store's flush() waits for those and fsyncs the staging directory when one happened,
 * so no superseded sealed file comes back after a power loss once the WAL record that superseded
 * it (a truncate, a delete) is reclaimed behind that flush.
 */
export class SealedFiles {
  private readonly pending = new Set<Promise<void>>();
  private removed = false;
  private files = 0;
  private bytes = 0;

  constructor(private readonly max: SealedBound = { files: SEALED_FILES_MAX, bytes: SEALED_BYTES_MAX }) {}

  /** A file of `length` bytes is about to be sealed: counted, or refused (EAGAIN) past the bound. */
  admit(length: number): void {
    if (this.files + 1 > this.max.files || this.bytes + length > this.max.bytes)
      throw new FsError("EAGAIN", `sealed files at their bound (${this.files}, ${this.bytes} bytes)`);
    this.files++;
    this.bytes += length;
  }

  /** A file admitted is sealed no more: renamed over its key, removed, or its seal failed. */
  gone(length: number): void {
    this.files--;
    this.bytes -= length;
  }

  /** Sealed files this process holds now, and their bytes (tests, stats). */
  get held(): { files: number; bytes: number } {
    return { files: this.files, bytes: this.bytes };
  }

  /** A sealed file's removal, queued behind its file's other calls (FsStagedBlock.discard). */
  track(run: Promise<void>): void {
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run)).catch(() => {});
  }

  async remove(file: string): Promise<void> {
    await fsp.rm(file, { force: true }).catch(() => {});
    this.removed = true;
  }

  /** Waits for the removals in flight; true when the staging directory changed since the last call. */
  async settle(): Promise<boolean> {
    await Promise.allSettled([...this.pending]);
    const changed = this.removed;
    this.removed = false;
    return changed;
  }
}
