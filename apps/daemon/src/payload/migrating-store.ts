/**
 * The block store of a share while its blocks move to another store (docs/architecture.md
 * "Moving a share's blocks"). The share's engine keeps serving reads and writes through it:
 *
 * - "source": everything goes to the old store; every key a put or delete changes is logged, so
 *   the copier can copy it again (a block uploaded after it was copied would otherwise be stale).
 * - "mirror": puts and deletes go to both stores, so from here on they stay identical; reads come
 *   from the old one. Entered only with nothing logged and nothing in flight.
 * - "target": everything goes to the new store (after the switch; an upload that captured this
 *   object before the switch still lands in the right place).
 *
 * Every change of a key, the engine's and the copier's, runs under that key's lock, so a copy never
 * overwrites a newer put with an older read.
 */
import { FsError } from "../domain/errors.ts";
import { KeyedSerial } from "../domain/keyed-serial.ts";
import type { BlockStore, BlockStoreHealth, BlockWriteOptions } from "./types.ts";

export type MigrationMode = "source" | "mirror" | "target";

/** Most keys logged as changed during a copy; past it the copy is failed rather than grow. */
export const MIGRATION_LOG_KEYS_MAX = 1_000_000;

export class MigratingBlockStore implements BlockStore {
  mode: MigrationMode = "source";
  /** Keys changed through this store since the copier last took them (mode "source"). */
  readonly changed = new Set<string>();
  #inFlight = 0;
  readonly #locks = new KeyedSerial();

  constructor(
    readonly from: BlockStore,
    readonly to: BlockStore,
  ) {}

  get type(): string {
    return this.mode === "target" ? this.to.type : this.from.type;
  }

  /** Nothing logged and no put or delete running: the moment to enter mirror mode. */
  get settled(): boolean {
    return this.changed.size === 0 && this.#inFlight === 0;
  }

  /** Runs `fn` with the key locked against every other change of it. */
  withKey<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.#locks.run(key, fn);
  }

  async #change(key: string, onFrom: () => Promise<void>, onTo: () => Promise<void>): Promise<void> {
    this.#inFlight++;
    try {
      await this.withKey(key, async () => {
        const mode = this.mode;
        if (mode === "target") return onTo();
        await onFrom();
        if (mode === "mirror") await onTo();
        else if (this.changed.size < MIGRATION_LOG_KEYS_MAX) this.changed.add(key);
        else throw new FsError("EIO", "too many blocks changed during the share's migration");
      });
    } finally {
      this.#inFlight--;
    }
  }

  put(key: string, data: Buffer, opts?: BlockWriteOptions): Promise<void> {
    return this.#change(
      key,
      () => this.from.put(key, data, opts),
      () => this.to.put(key, data, opts),
    );
  }

  putv(key: string, parts: readonly Buffer[], opts?: BlockWriteOptions): Promise<void> {
    const via = (s: BlockStore) =>
      s.putv !== undefined ? s.putv(key, parts, opts) : s.put(key, Buffer.concat(parts), opts);
    return this.#change(
      key,
      () => via(this.from),
      () => via(this.to),
    );
  }

  delete(key: string, opts?: BlockWriteOptions): Promise<void> {
    return this.#change(
      key,
      () => this.from.delete(key, opts),
      () => deleteQuietly(this.to, key, opts),
    );
  }

  get(key: string, offset?: number, length?: number): Promise<Buffer> {
    return (this.mode === "target" ? this.to : this.from).get(key, offset, length);
  }

  list(prefix: string): AsyncIterable<string> {
    return (this.mode === "target" ? this.to : this.from).list(prefix);
  }

  async flush(): Promise<void> {
    if (this.mode !== "target") await this.from.flush?.();
    if (this.mode !== "source") await this.to.flush?.();
  }

  health(): Promise<BlockStoreHealth> {
    return (this.mode === "target" ? this.to : this.from).health();
  }

  /** The stores are the Runtime's (live-stores.ts): closing the share closes neither. */
  async close(): Promise<void> {}
}

/** A delete of a key that is not there is done. */
export async function deleteQuietly(store: BlockStore, key: string, opts?: BlockWriteOptions): Promise<void> {
  try {
    await store.delete(key, opts);
  } catch (err) {
    if (!(err instanceof FsError && err.code === "ENOENT")) throw err;
  }
}
