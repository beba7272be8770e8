/**
 * Sealed staged blocks (docs/payload.md "CLOSE"): an SMB CLOSE answers once each block of a new
 * file is in a staged temp file named after what it holds, `<seq>.<crc32c>.<length>+<key, '/' as
 * '+'>`, written but not fdatasynced (the kernel page cache survives a kill of the daemon, as
 * Samba's data does after its CLOSE). When the daemon dies before the publish (fdatasync, rename),
 * the next open() of the store adopts each such file whose length and CRC32C verify: fdatasync,
 * then rename to its key. One that does not verify (torn by a power loss, or cut short) is
 * removed, never read: Samba would have lost it too. Adoption runs before the WAL replay
 * (the store opens before its share is added), so a later TRUNCATE or DELETE of the payload in
 * the WAL still cuts what was adopted; and the engine makes a sealed file's removal durable (the
 * store's flush fsyncs the staging directory) before the WAL may drop the record that superseded it.
 *
 * Only a key that does not exist is adopted: a write-once block (write-once.ts) is one the store
 * held nothing of, and once the key is put (the publish itself, or a whole put that discarded the
 * stage) it holds newer bytes than any stage of it. Of several sealed files of one key, the highest
 * `seq` is the newest (a block closed, written again and closed again).
 */

import { constants, promises as fsp } from "node:fs";
import path from "node:path";
import { crc32c } from "@node-rs/crc32";
import { pidAlive } from "../../domain/pid.ts";
import { assertBlockKey } from "./keys.ts";

/** Longest file name on ext4/xfs; a block key of a valid payload id stays well below it. */
const NAME_BYTES_MAX = 255;
const SEALED_RE = /^(\d+)\.([0-9a-f]{8})\.(\d+)\+([A-Za-z0-9._+-]+)$/;
/** Bytes verified per read. */
const READ_BYTES = 1024 * 1024;
/** A staging directory's name: `<pid>-<token>` (`<pid>` before the token). */
const STAGING_DIR_RE = /^(\d+)(?:-([0-9a-f]+))?$/;

let lastSeq = 0;

/** A new name for a staged file of `key` holding `length` bytes of CRC32C `crc`, newer than any before. */
export function sealedName(key: string, crc: number, length: number): string {
  const seq = Math.max(Date.now() * 1000, lastSeq + 1); // newer than a previous process's, too
  lastSeq = seq;
  const name = `${seq}.${(crc >>> 0).toString(16).padStart(8, "0")}.${length}+${key.replaceAll("/", "+")}`;
  if (Buffer.byteLength(name) > NAME_BYTES_MAX) throw new Error(`block key too long to seal: ${key}`);
  return name;
}

interface Sealed {
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

/** Whether `file` holds exactly `length` bytes of CRC32C `crc`; fdatasynced first when it does. */
async function verified(file: string, s: Sealed): Promise<boolean> {
  const fh = await fsp.open(file, constants.O_RDWR);
  try {
    if ((await fh.stat()).size !== s.length) return false;
    const buf = Buffer.allocUnsafe(Math.min(READ_BYTES, s.length));
    let c = 0;
    for (let at = 0; at < s.length; ) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, s.length - at), at);
      if (bytesRead === 0) return false;
      c = crc32c(buf.subarray(0, bytesRead), c);
      at += bytesRead;
    }
    if (c >>> 0 !== s.crc) return false;
    await fh.datasync();
    return true;
  } finally {
    await fh.close();
  }
}

export interface AdoptTarget {
  /** Whether the key already has content (then it is newer than any stage of it). */
  exists(key: string): Promise<boolean>;
  /** Renames the verified, fdatasynced file to the key and makes the rename durable. */
  publish(file: string, key: string): Promise<void>;
}

/**
 * Adopts the verified sealed files of a dead process's staging directory `dir` into their keys,
 * then removes the directory with everything else in it (torn stages, puts cut short). Returns
 * how many were adopted and how many sealed files were discarded.
 */
export async function adoptStaged(dir: string, to: AdoptTarget): Promise<{ adopted: number; torn: number }> {
  const newest = new Map<string, Sealed>();
  let torn = 0;
  for (const name of await fsp.readdir(dir)) {
    const s = parseSealed(name);
    if (s === null) continue;
    const had = newest.get(s.key);
    if (had === undefined || had.seq < s.seq) newest.set(s.key, s);
  }
  let adopted = 0;
  for (const s of newest.values()) {
    const file = path.join(dir, s.name);
    if (await to.exists(s.key)) continue;
    if (!(await verified(file, s))) {
      torn++;
      continue;
    }
    await to.publish(file, s.key);
    adopted++;
  }
  await fsp.rm(dir, { recursive: true, force: true });
  return { adopted, torn };
}

/**
 * Runs adoptStaged on each staging directory beside `own` (this process's) whose process is gone:
 * another pid that no longer runs, or this pid with another token (an earlier process). Anything
 * else not named like a staging directory is removed.
 */
export async function adoptDeadStaging(own: string, to: AdoptTarget): Promise<void> {
  const staging = path.dirname(own);
  for (const name of await fsp.readdir(staging)) {
    const m = STAGING_DIR_RE.exec(name);
    const pid = Number(m?.[1]);
    if (name === path.basename(own) || (m !== null && pid !== process.pid && pid > 0 && pidAlive(pid)))
      continue;
    if (m === null) await fsp.rm(path.join(staging, name), { recursive: true, force: true });
    else await adoptStaged(path.join(staging, name), to);
  }
}

/**
 * Removals of sealed stages in flight, and whether one happened since the last settle(): the
 * store's flush() makes them durable, so no superseded sealed stage comes back after a power loss
 * once the WAL record that superseded it (a truncate, a delete) is reclaimed behind that flush.
 */
export class SealedRemovals {
  private readonly pending = new Set<Promise<void>>();
  private removed = false;

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
