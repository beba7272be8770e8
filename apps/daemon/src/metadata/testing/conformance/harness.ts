/** Test support for the conformance suite: a service over the store under test, and a real payload for file data. */
import pino from "pino";
import { expect } from "vitest";
import type { ShareInfo } from "../../../domain/share.ts";
import { MemoryBlockStore } from "../../../payload/block-store/memory.ts";
import { DefaultPayloadService } from "../../../payload/service.ts";
import type { MetadataStore } from "../../metadata-store.ts";
import { DefaultMetadataService } from "../../service.ts";
import type { Caller } from "../../types.ts";

export interface StoreFixture {
  /** Opens the store; called again after `close()` it must reopen the same data (if persistent). */
  open(): Promise<MetadataStore>;
  persistent: boolean;
  /** Removes the backing data. */
  destroy(): Promise<void>;
}

export type StoreFactory = () => Promise<StoreFixture>;

export const ROOT: Caller = { uid: 0, gid: 0, gids: [] };
export const ALICE: Caller = { uid: 1000, gid: 1000, gids: [] };
export const BOB: Caller = { uid: 1001, gid: 1001, gids: [] };
export const SHARE = "/export";

export function share(overrides: Partial<ShareInfo> = {}): ShareInfo {
  return {
    name: SHARE,
    readOnly: false,
    squash: "none",
    anonUid: 65534,
    anonGid: 65534,
    protocols: { nfs: true, smb: true },
    guest: false,
    metadataStore: "meta",
    blockStore: "blocks",
    ...overrides,
  };
}

export interface Env {
  fixture: StoreFixture;
  store: MetadataStore;
  svc: DefaultMetadataService;
  payload: DefaultPayloadService;
  root: Buffer;
  /** Closes the service's store and payload, reopens both over the same backing data. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

const logger = pino({ level: "silent" });

export async function makeEnv(factory: StoreFactory, info: ShareInfo = share()): Promise<Env> {
  const fixture = await factory();
  const start = async () => {
    const payload = new DefaultPayloadService({
      logger,
      cacheSizeBytes: 64 << 20,
      walDir: null,
      transferConcurrency: 2,
    });
    await payload.addShare(info.name, new MemoryBlockStore());
    const store = await fixture.open();
    const svc = new DefaultMetadataService({ logger });
    await svc.addShare(info, store);
    return { store, svc, payload, root: svc.rootHandle(info.name) };
  };
  const env = { fixture, ...(await start()) } as Env;
  const stop = async () => {
    await env.svc.removeShare(info.name);
    await env.store.close();
    await env.payload.close();
  };
  env.restart = async () => {
    await stop();
    Object.assign(env, await start());
  };
  env.close = async () => {
    await stop();
    await fixture.destroy();
  };
  return env;
}

/** The store's id of the share's root directory (MetadataStore.orphans takes it). */
export async function rootId(env: Env): Promise<bigint> {
  const id = await env.store.getRoot(SHARE);
  if (id === undefined) throw new Error("share root missing");
  return id;
}

/** Asserts that a promise rejects with an FsError of this errno. */
export async function expectErrno(p: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  const run = typeof p === "function" ? Promise.resolve().then(p) : p;
  await expect(run).rejects.toMatchObject({ code });
}
