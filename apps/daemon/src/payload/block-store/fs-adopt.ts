/**
 * Adoption at open (docs/payload.md "CLOSE"): the fs store's staging directory holds one directory
 * per process, `<pid>-<token>`. When a process died before the publish (fdatasync, rename) of the
 * files a CLOSE sealed (fs-sealed.ts), the next open() adopts each one whose length and CRC32C
 * verify: fdatasync, then rename to its key. One that does not verify (torn by a power loss, or cut
 * short) is removed, never read: Samba would have lost it too. Adoption runs before the WAL replay
 * (the store opens before its share is added), so a later TRUNCATE or DELETE of the payload in the
 * WAL still cuts what was adopted; and the engine makes a sealed file's removal durable (the
 * store's flush fsyncs the staging directory) before the WAL may drop the record that superseded it.
 *
 * Only a key that does not exist is adopted: a write-once block (write-once.ts) is one the store
 * held nothing of, and once the key is put (the publish itself, or a whole put that discarded the
 * stage) it holds newer bytes than any stage of it. Of several sealed files of one key, in any
 * dead process's directory, the highest `seq` is the newest (a block closed, written again and
 * closed again); an older one is never adopted, even when the newest is torn.
 *
 * Bounded: at most SEALED_FILES_MAX files and SEALED_BYTES_MAX bytes are verified, newest first
 * (a live process never leaves more, fs-sealed.ts; several dead ones whose opens were cut short,
 * or a hand-made directory, may). The rest are removed unread, as torn ones are, and the open logs
 * how many: a start reads a bounded amount, whatever the crashes before it left.
 */

import { constants, promises as fsp } from "node:fs";
import path from "node:path";
import { crc32c } from "@node-rs/crc32";
import type pino from "pino";
import { pidAlive } from "../../domain/pid.ts";
import {
  parseSealed,
  SEALED_BYTES_MAX,
  SEALED_FILES_MAX,
  type Sealed,
  type SealedBound,
} from "./fs-sealed.ts";

/** Bytes verified per read. */
const READ_BYTES = 1024 * 1024;
/** A staging directory's name: `<pid>-<token>` (`<pid>` before the token). */
const STAGING_DIR_RE = /^(\d+)(?:-([0-9a-f]+))?$/;

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

/** What an open did with the sealed files dead processes left. */
export interface AdoptReport {
  adopted: number;
  /** Newest of their key, not verified (torn, cut short): removed. */
  torn: number;
  /** Past the bound (newest first): removed unread. */
  dropped: number;
  droppedBytes: number;
  /** Older than another sealed file of their key, or their key exists: removed unread. */
  stale: number;
}

/** The staging directories beside `own` (this process's) whose process is gone; removes strays. */
async function deadDirs(own: string): Promise<string[]> {
  const staging = path.dirname(own);
  const dead: string[] = [];
  for (const name of await fsp.readdir(staging)) {
    const m = STAGING_DIR_RE.exec(name);
    const pid = Number(m?.[1]);
    // Another live process's, or this one's (another store instance on the same root may write it).
    if (name === path.basename(own) || (m !== null && pid !== process.pid && pid > 0 && pidAlive(pid)))
      continue;
    if (m === null) await fsp.rm(path.join(staging, name), { recursive: true, force: true });
    else dead.push(path.join(staging, name));
  }
  return dead;
}

/** The newest sealed file of each key in `dirs`, newest first, and how many older ones there were. */
async function newestPerKey(dirs: string[]): Promise<{ files: (Sealed & { dir: string })[]; older: number }> {
  const newest = new Map<string, Sealed & { dir: string }>();
  let older = 0;
  for (const dir of dirs) {
    for (const name of await fsp.readdir(dir)) {
      const s = parseSealed(name);
      if (s === null) continue;
      const had = newest.get(s.key);
      if (had !== undefined) older++;
      if (had === undefined || had.seq < s.seq) newest.set(s.key, { ...s, dir });
    }
  }
  return { files: [...newest.values()].sort((a, b) => b.seq - a.seq), older };
}

/**
 * For each process that no longer runs (another pid not running, or this pid with another token: an
 * earlier process), adopts the sealed files that verify, within `bound`, and removes its directory
 * with everything else in it (torn stages, puts cut short). Anything in the staging directory not
 * named like a process's directory is removed.
 */
export async function adoptDeadStaging(
  own: string,
  to: AdoptTarget,
  bound: SealedBound = { files: SEALED_FILES_MAX, bytes: SEALED_BYTES_MAX },
): Promise<AdoptReport> {
  const dirs = await deadDirs(own);
  const { files, older } = await newestPerKey(dirs);
  const report: AdoptReport = { adopted: 0, torn: 0, dropped: 0, droppedBytes: 0, stale: older };
  let verifiedFiles = 0;
  let verifiedBytes = 0;
  for (const s of files) {
    if (await to.exists(s.key)) {
      report.stale++;
      continue;
    }
    if (verifiedFiles + 1 > bound.files || verifiedBytes + s.length > bound.bytes) {
      report.dropped++;
      report.droppedBytes += s.length;
      continue;
    }
    verifiedFiles++;
    verifiedBytes += s.length;
    const file = path.join(s.dir, s.name);
    if (await verified(file, s)) {
      await to.publish(file, s.key);
      report.adopted++;
    } else report.torn++;
  }
  for (const dir of dirs) await fsp.rm(dir, { recursive: true, force: true });
  return report;
}

/** adoptDeadStaging at a store's open, logged: what a bound dropped is closed files lost. */
export async function adoptAtOpen(
  own: string,
  to: AdoptTarget,
  logger?: pino.Logger,
  bound?: SealedBound,
): Promise<AdoptReport> {
  const report = await adoptDeadStaging(own, to, bound);
  if (report.dropped > 0) logger?.warn({ ...report }, "sealed stages past the bound removed unread");
  else if (report.adopted + report.torn > 0) logger?.info({ ...report }, "sealed stages adopted");
  return report;
}
