/**
 * The part of the control-plane store the Runtime reads and writes. The ControlStore satisfies it;
 * keeping it narrow documents exactly what the live state depends on.
 */
import type { AnonymousAccess, NfsClientRule } from "@dittofs/shared";
import type { AdapterRecord, ShareRecord, StoreKind, StoreRecord } from "../control/store/types.ts";
import type { NewAuditRow } from "../domain/logon.ts";
import type { Nfs4ClientStore } from "../domain/nfs4-clients.ts";
import type { SquashMode } from "../domain/share.ts";
import type { IdentitySource } from "./identity.ts";

export interface ShareFields {
  metadataStore?: string | undefined;
  blockStore?: string | undefined;
  readOnly?: boolean | undefined;
  squash?: SquashMode | undefined;
  anonUid?: number | undefined;
  anonGid?: number | undefined;
  nfs?: boolean | undefined;
  smb?: boolean | undefined;
  guest?: boolean | undefined;
  encryptData?: boolean | undefined;
  nfsClients?: NfsClientRule[] | undefined;
  anonymousAccess?: AnonymousAccess | undefined;
}

export interface RuntimeStore {
  /** The NFSv4 client records of the daemon with this id (reclaim after a restart). */
  nfs4Clients(daemon: string): Nfs4ClientStore;
  listShares(): Promise<ShareRecord[]>;
  getShare(name: string): Promise<ShareRecord>;
  createShare(
    share: ShareFields & { name: string; metadataStore: string; blockStore: string },
  ): Promise<ShareRecord>;
  updateShare(name: string, patch: ShareFields): Promise<ShareRecord>;
  deleteShare(name: string): Promise<void>;

  listStores(kind: StoreKind): Promise<StoreRecord[]>;
  getStore(kind: StoreKind, name: string): Promise<StoreRecord>;
  createStore(
    kind: StoreKind,
    input: { name: string; type: string; config: Record<string, unknown> },
  ): Promise<StoreRecord>;
  updateStore(
    kind: StoreKind,
    name: string,
    patch: { type?: string | undefined; config?: Record<string, unknown> | undefined },
  ): Promise<StoreRecord>;
  deleteStore(kind: StoreKind, name: string): Promise<void>;

  listAdapters(): Promise<AdapterRecord[]>;
  getAdapter(type: string): Promise<AdapterRecord>;
  createAdapter(input: {
    type: string;
    port: number;
    enabled?: boolean | undefined;
    settings?: Record<string, unknown> | undefined;
  }): Promise<AdapterRecord>;
  updateAdapter(
    type: string,
    patch: {
      port?: number | undefined;
      enabled?: boolean | undefined;
      settings?: Record<string, unknown> | undefined;
    },
  ): Promise<AdapterRecord>;
  deleteAdapter(type: string): Promise<void>;

  /** Principals, groups and grants, read together for the IdentityDirectory. */
  loadIdentity(): Promise<IdentitySource>;

  /** A cheap query; throws when the database cannot be reached (readiness). */
  countUsers(): Promise<number>;

  /** Logon failures and other live-side refusals, already aggregated (logon-throttle.ts). */
  appendAudit(row: NewAuditRow): Promise<void>;
}
