/**
 * Metadata and block store configs in the Runtime. A new or changed config is opened *before* it
 * is stored, so a config that cannot be opened is refused and nothing is written; a replaced
 * store is swapped under the shares that use it.
 */
import type {
  BlockStoreCreateInput,
  BlockStoreUpdateInput,
  MetadataStoreCreateInput,
  MetadataStoreUpdateInput,
} from "@dittofs/shared";
import type { StoreKind, StoreRecord } from "../control/store/types.ts";
import { liveFailure } from "./failures.ts";
import type { LiveStores } from "./live-stores.ts";
import type { RuntimeShares } from "./runtime-shares.ts";
import type { RuntimeStore } from "./runtime-store.ts";

type CreateInput = MetadataStoreCreateInput | BlockStoreCreateInput;
type UpdateInput = MetadataStoreUpdateInput | BlockStoreUpdateInput;

export class RuntimeStores {
  constructor(
    private readonly store: RuntimeStore,
    private readonly live: LiveStores,
    private readonly shares: RuntimeShares,
  ) {}

  /** Opens every stored store; one that fails is remembered (health shows why) and skipped. */
  async openAll(): Promise<void> {
    for (const kind of ["metadata", "block"] as const) {
      for (const record of await this.store.listStores(kind)) {
        await this.live.open(kind, record).catch(() => undefined);
      }
    }
  }

  async create(kind: StoreKind, input: CreateInput): Promise<StoreRecord> {
    const opened = await this.#open(kind, input.name, input.type, input.config);
    let record: StoreRecord;
    try {
      record = await this.store.createStore(kind, {
        name: input.name,
        type: input.type,
        config: input.config,
      });
    } catch (err) {
      await opened.close().catch(() => undefined);
      throw err;
    }
    this.live.set(kind, record.name, opened);
    return record;
  }

  async update(kind: StoreKind, input: UpdateInput): Promise<StoreRecord> {
    const before = await this.store.getStore(kind, input.name);
    const opened = await this.#open(
      kind,
      input.name,
      input.type ?? before.type,
      input.config ?? before.config,
    );
    let record: StoreRecord;
    try {
      record = await this.store.updateStore(kind, input.name, { type: input.type, config: input.config });
    } catch (err) {
      await opened.close().catch(() => undefined);
      throw err;
    }
    await this.shares.reattach(kind, record.name, () => this.live.set(kind, record.name, opened));
    return record;
  }

  async delete(kind: StoreKind, name: string): Promise<void> {
    await this.store.deleteStore(kind, name);
    await this.live.close(kind, name);
  }

  async #open(kind: StoreKind, name: string, type: string, config: Record<string, unknown>) {
    try {
      return await this.live.openDetached(kind, type, config, name);
    } catch (err) {
      throw liveFailure(`${kind} store ${name}`, err);
    }
  }
}
