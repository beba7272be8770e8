/**
 * The copying half of a share migration (docs/architecture.md "Moving a share's blocks"): each
 * block of the share's payloads read from the old store and written to the new one under the
 * migrating store's key lock, the keys the engine changed meanwhile copied again until none are
 * left, then a compare of every block in both stores. The job (share-migration.ts) decides when.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { FsError } from "../domain/errors.ts";
import type { PayloadFile } from "../metadata/ops/payloads.ts";
import { payloadPrefix } from "../payload/block-store/keys.ts";
import { deleteQuietly, type MigratingBlockStore } from "../payload/migrating-store.ts";

/** Catch-up rounds (each copies what changed during the last) before the switch is given up. */
export const CATCH_UP_ROUNDS_MAX = 2000;
const CATCH_UP_PAUSE_MS = 5;

export interface CopyProgress {
  filesDone: number;
  bytesDone: number;
}

async function getOrNull(store: MigratingBlockStore["from"], key: string): Promise<Buffer | null> {
  try {
    return await store.get(key);
  } catch (err) {
    if (err instanceof FsError && err.code === "ENOENT") return null;
    throw err;
  }
}

/** Both absent, or both present with the same bytes. */
function sameBlock(a: Buffer | null, b: Buffer | null): boolean {
  return a === null ? b === null : b?.equals(a) === true;
}

/**
 * Makes the new store's copy of `key` equal to the old store's (absent if absent there); with
 * `compare`, reads the new copy first and writes only when it differs. Returns the block's size.
 */
export function copyKey(m: MigratingBlockStore, key: string, compare: boolean): Promise<number> {
  return m.withKey(key, async () => {
    const data = await getOrNull(m.from, key);
    if (compare) {
      const there = await getOrNull(m.to, key);
      if (sameBlock(data, there)) return data?.length ?? 0;
    }
    if (data === null) await deleteQuietly(m.to, key);
    else await m.to.put(key, data);
    return data?.length ?? 0;
  });
}

/** Copies every block of `files`; `compare` skips blocks already equal (a resumed job). */
export async function copyFiles(
  m: MigratingBlockStore,
  files: readonly PayloadFile[],
  progress: CopyProgress,
  signal: AbortSignal,
  compare: boolean,
): Promise<void> {
  for (const file of files) {
    let left = file.size;
    for await (const key of m.from.list(payloadPrefix(file.payloadId))) {
      signal.throwIfAborted();
      const size = await copyKey(m, key, compare);
      const counted = Math.min(size, left);
      left -= counted;
      progress.bytesDone += counted;
    }
    progress.bytesDone += left; // holes and a short last block: the file is done
    progress.filesDone++;
  }
}

/**
 * Copies the keys the engine changed since they were copied, until none is left and no change is
 * running; then, in the same turn, sends every later change to both stores ("mirror").
 */
export async function catchUpAndMirror(m: MigratingBlockStore, signal: AbortSignal): Promise<void> {
  for (let round = 0; round < CATCH_UP_ROUNDS_MAX; round++) {
    signal.throwIfAborted();
    if (m.settled) {
      m.mode = "mirror";
      return;
    }
    const keys = [...m.changed];
    m.changed.clear();
    for (const key of keys) await copyKey(m, key, false);
    if (keys.length === 0) await sleep(CATCH_UP_PAUSE_MS);
  }
  throw new FsError("EBUSY", "the share kept changing blocks; the migration could not catch up");
}

/**
 * With the stores mirrored: every block of the share compared in both, copied again where they
 * differ, and blocks only the new store has under the share's payloads removed. Returns how many
 * blocks had to be repaired.
 */
export async function verifyFiles(
  m: MigratingBlockStore,
  files: readonly PayloadFile[],
  progress: CopyProgress,
  signal: AbortSignal,
): Promise<number> {
  let repaired = 0;
  for (const file of files) {
    const prefix = payloadPrefix(file.payloadId);
    const inFrom = new Set<string>();
    for await (const key of m.from.list(prefix)) {
      signal.throwIfAborted();
      inFrom.add(key);
      const same = await m.withKey(key, async () => {
        const [a, b] = await Promise.all([getOrNull(m.from, key), getOrNull(m.to, key)]);
        return sameBlock(a, b);
      });
      if (!same) {
        repaired++;
        await copyKey(m, key, false);
      }
    }
    for await (const key of m.to.list(prefix)) {
      if (!inFrom.has(key)) await copyKey(m, key, false);
    }
    progress.filesDone++;
    progress.bytesDone += file.size;
  }
  return repaired;
}

/** Removes a share's blocks from a store (the old copy once confirmed, or an abandoned copy). */
export async function removeFiles(
  store: MigratingBlockStore["from"],
  files: readonly PayloadFile[],
): Promise<void> {
  for (const file of files) {
    const keys: string[] = [];
    for await (const key of store.list(payloadPrefix(file.payloadId))) keys.push(key);
    for (const key of keys) await deleteQuietly(store, key);
  }
}
