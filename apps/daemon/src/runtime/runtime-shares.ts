/**
 * Shares in the Runtime: the stored record and the live registration with MetadataService and
 * PayloadService, kept in step. Registration order is payload first (it replays the WAL), then
 * metadata; unregistration is the reverse.
 */

import type { ShareCreateInput, ShareUpdateInput } from "@dittofs/shared";
import type { Logger } from "pino";
import { inUse } from "../control/errors.ts";
import type { ShareUsage } from "../control/runtime-control.ts";
import type { ShareRecord } from "../control/store/types.ts";
import { FsError } from "../domain/errors.ts";
import type { ShareInfo } from "../domain/share.ts";
import { liveFailure } from "./failures.ts";
import type { LiveStores } from "./live-stores.ts";
import type { RuntimeStore, ShareFields } from "./runtime-store.ts";
import type { RuntimeServices } from "./services.ts";

export function toShareInfo(record: ShareRecord): ShareInfo {
  return {
    name: record.name,
    readOnly: record.readOnly,
    squash: record.squash,
    anonUid: record.anonUid,
    anonGid: record.anonGid,
    protocols: { nfs: record.nfs, smb: record.smb },
    guest: record.guest,
    encryptData: record.encryptData,
    nfsClients: record.nfsClients,
    anonymousAccess: record.anonymousAccess,
    metadataStore: record.metadataStore,
    blockStore: record.blockStore,
  };
}

type ShareFieldsPatch = Omit<ShareUpdateInput, "name">;

function fieldsOf(record: ShareRecord): ShareFields {
  const { id: _id, name: _name, createdAt: _c, updatedAt: _u, ...fields } = record;
  return fields;
}

export class RuntimeShares {
  readonly #live = new Map<string, ShareInfo>();

  constructor(
    private readonly store: RuntimeStore,
    private readonly services: RuntimeServices,
    private readonly stores: LiveStores,
    private readonly logger: Logger,
    /** Reaps the orphans a crash left in a share just registered (FileService.sweepOrphans). */
    private readonly sweepOrphans: (share: string) => Promise<number>,
  ) {}

  list(): ShareInfo[] {
    return [...this.#live.values()];
  }

  get(name: string): ShareInfo | undefined {
    return this.#live.get(name);
  }

  /** Usage of the live shares; one whose store fails to answer is left out. */
  async usage(): Promise<ShareUsage[]> {
    const out: ShareUsage[] = [];
    for (const name of this.#live.keys()) {
      try {
        const { files, bytes } = await this.services.metadata.usage(name);
        out.push({ name, files: Math.max(files - 1, 0), bytes });
      } catch (err) {
        this.logger.warn({ err, share: name }, "share usage not available");
      }
    }
    return out;
  }

  records(): Promise<ShareRecord[]> {
    return this.store.listShares();
  }

  /** Registers every stored share; one that fails (its store is down) is logged and skipped. */
  async registerAll(): Promise<void> {
    for (const record of await this.store.listShares()) {
      try {
        await this.register(record);
      } catch (err) {
        this.logger.error({ err, share: record.name }, "share not available");
      }
    }
  }

  async create(input: ShareCreateInput): Promise<ShareRecord> {
    const record = await this.store.createShare(input);
    try {
      await this.register(record);
    } catch (err) {
      await this.store
        .deleteShare(record.name)
        .catch((e) => this.logger.error({ err: e }, "rollback failed"));
      throw liveFailure(`share ${record.name}`, err);
    }
    return record;
  }

  async update(input: ShareUpdateInput): Promise<ShareRecord> {
    const { name, ...patch } = input;
    const before = await this.store.getShare(name);
    await this.refuseRepointingData(before, patch);
    const record = await this.store.updateShare(name, patch);
    const storesChanged =
      record.metadataStore !== before.metadataStore || record.blockStore !== before.blockStore;
    if (!storesChanged && this.#live.has(name)) {
      const info = toShareInfo(record);
      this.services.metadata.updateShare(info);
      this.#live.set(name, info);
      return record;
    }
    try {
      await this.unregister(name);
      await this.register(record);
    } catch (err) {
      await this.store.updateShare(name, fieldsOf(before));
      await this.register(before).catch((e) =>
        this.logger.error({ err: e, share: name }, "share not restored"),
      );
      throw liveFailure(`share ${name}`, err);
    }
    return record;
  }

  /**
   * Files live in the share's metadata store and their blocks in its block store: pointing a share
   * that holds files at another store would leave them unreadable (blocks read as zeros), so it is
   * refused with the reason. A share whose stores are not open cannot be checked, and may be
   * re-pointed (that is how an admin repairs one).
   */
  private async refuseRepointingData(before: ShareRecord, patch: ShareFieldsPatch): Promise<void> {
    const moves = (["metadataStore", "blockStore"] as const).filter(
      (k) => patch[k] !== undefined && patch[k] !== before[k],
    );
    if (moves.length === 0 || !this.#live.has(before.name)) return;
    const { files, bytes } = await this.services.metadata.usage(before.name, { fresh: true });
    const entries = files - 1; // the root directory is always there
    if (entries <= 0) return;
    const what = moves
      .map((k) => `${k === "blockStore" ? "block" : "metadata"} store ${before[k]} to ${patch[k]}`)
      .join(" and ");
    throw inUse(
      `share ${before.name} holds ${entries} ${entries === 1 ? "file" : "files"} (${bytes} bytes); ` +
        `moving it from ${what} would leave them unreadable. ${
          moves.includes("metadataStore")
            ? "Create a new share on the new store and copy the files."
            : "Migrate its data to the new block store instead (it copies, verifies, then switches)."
        }`,
      moves[0],
    );
  }

  /**
   * A migration's switch (share-migration.ts): records the share's new block store and updates the
   * live share without re-registering it (the migration already moved its engine there).
   */
  async switchBlockStore(name: string, blockStore: string): Promise<void> {
    const record = await this.store.updateShare(name, { blockStore });
    const info = toShareInfo(record);
    this.services.metadata.updateShare(info);
    this.#live.set(name, info);
  }

  async delete(name: string): Promise<void> {
    await this.store.deleteShare(name);
    await this.unregister(name).catch((err) =>
      this.logger.error({ err, share: name }, "unregistering failed"),
    );
  }

  /** Re-registers the live shares that use a store whose live instance was replaced. */
  async reattach(kind: "metadata" | "block", storeName: string, swap: () => void): Promise<void> {
    const affected = this.list().filter(
      (s) => (kind === "metadata" ? s.metadataStore : s.blockStore) === storeName,
    );
    for (const share of affected) await this.unregister(share.name);
    swap();
    for (const share of affected) {
      const record = await this.store.getShare(share.name);
      await this.register(record).catch((err) =>
        this.logger.error({ err, share: share.name }, "share not available"),
      );
    }
  }

  async register(record: ShareRecord): Promise<void> {
    const info = toShareInfo(record);
    const metadataStore = this.stores.metadata(info.metadataStore);
    const blockStore = this.stores.block(info.blockStore);
    if (metadataStore === undefined)
      throw new FsError("EIO", `metadata store ${info.metadataStore} is not open`);
    if (blockStore === undefined) throw new FsError("EIO", `block store ${info.blockStore} is not open`);
    // docs/architecture.md "Scale-out": several daemons may share one PostgreSQL metadata store and one S3
    // bucket, so COMMIT must not answer before the file's blocks are in S3 (another daemon reads
    // them from there). Only that pairing is a possible scale-out deployment; every other share
    // keeps COMMIT at the local WAL. Blocks are versioned there and recorded in the metadata
    // store's block map, so daemons validate their caches and a sweeper collects old versions.
    const shared = metadataStore.type === "postgres" && blockStore.type === "s3";
    const content = shared ? metadataStore.sharedContent : undefined;
    await this.services.payload.addShare(info.name, blockStore, { shared, content });
    try {
      await this.services.metadata.addShare(info, metadataStore);
    } catch (err) {
      await this.services.payload.removeShare(info.name).catch(() => undefined);
      throw err;
    }
    try {
      const swept = await this.sweepOrphans(info.name);
      if (swept > 0) this.logger.info({ share: info.name, count: swept }, "removed orphans");
    } catch (err) {
      // A failed add leaves nothing registered.
      await this.services.metadata.removeShare(info.name).catch(() => undefined);
      await this.services.payload.removeShare(info.name).catch(() => undefined);
      throw err;
    }
    this.#live.set(info.name, info);
  }

  async unregister(name: string): Promise<void> {
    if (!this.#live.has(name)) return;
    this.#live.delete(name);
    await this.services.metadata.removeShare(name);
    await this.services.payload.removeShare(name);
  }
}
