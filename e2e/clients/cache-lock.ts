/**
 * A cross-process lock for building a cache entry once. The lock is a file created with O_EXCL
 * holding the builder's PID; a lock whose PID is gone (a builder killed mid-way) is taken over.
 * Builders also publish their result with an atomic rename, so a reader never sees half an entry
 * even if the lock were bypassed.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { pidAlive } from "../../apps/daemon/src/domain/pid.ts";

const LOCK_POLL_MS = 250;
const LOCK_WAIT_MAX_MS = 10 * 60_000;

function tryAcquire(path: string): boolean {
  try {
    const fd = openSync(path, "wx");
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  let owner = Number.NaN;
  try {
    owner = Number(readFileSync(path, "utf8").trim());
  } catch {
    return false; // released between our open and read: retry
  }
  // An empty file is a builder between open and write; only a dead PID is stale.
  if (Number.isInteger(owner) && owner > 0 && !pidAlive(owner)) rmSync(path, { force: true });
  return false;
}

/**
 * Runs `build` under the lock at `lockPath` unless `isDone()` already holds (checked again after
 * acquiring, since another process may have finished while we waited).
 */
export async function buildOnce(
  lockPath: string,
  isDone: () => boolean,
  build: () => Promise<void>,
): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MAX_MS;
  while (!isDone()) {
    if (tryAcquire(lockPath)) {
      try {
        if (!isDone()) await build();
      } finally {
        rmSync(lockPath, { force: true });
      }
      return;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lockPath}`);
    await sleep(LOCK_POLL_MS);
  }
}
