/**
 * What the Runtime hands to protocol adapters, and what an adapter must implement.
 * Adapters reach data only through MetadataService and PayloadService.
 */
import type { Logger } from "pino";
import type { MetadataService } from "../metadata/types.ts";
import type { PayloadService } from "../payload/types.ts";

export type SquashMode = "none" | "root_squash" | "all_squash";
export type Permission = "none" | "read" | "read-write" | "admin";
export type Role = "admin" | "operator" | "user";

/** A share as the data path sees it (live state; the control plane holds the full record). */
export interface ShareInfo {
  /** Like "/export". SMB exposes it without the leading slash. */
  name: string;
  readOnly: boolean;
  squash: SquashMode;
  anonUid: number;
  anonGid: number;
  protocols: { nfs: boolean; smb: boolean };
  /** SMB guest access (no credentials) allowed. */
  guest: boolean;
  metadataStore: string;
  blockStore: string;
}

/** A control-plane user as protocol authentication needs it. */
export interface Principal {
  username: string;
  uid: number;
  gid: number;
  gids: number[];
  role: Role;
  enabled: boolean;
  /** MD4(UTF-16LE(password)) for NTLM; null until a password is set after NT hashes exist. */
  ntHash: Buffer | null;
}

export interface IdentityDirectory {
  byName(username: string): Principal | undefined;
  byUid(uid: number): Principal | undefined;
  /** The effective permission of a principal on a share (user grant, else best group grant). */
  permission(principal: Principal, shareName: string): Permission;
}

export interface ConnectedClient {
  id: string;
  protocol: string;
  address: string;
  share: string | null;
  user: string | null;
  since: Date;
}

export interface ClientRegistry {
  add(client: Omit<ConnectedClient, "id" | "since">): string;
  update(id: string, patch: Partial<Pick<ConnectedClient, "share" | "user">>): void;
  remove(id: string): void;
  list(): ConnectedClient[];
}

/** Per-adapter operation counters and latency, exported to /metrics and the console. */
export interface ProtocolMetrics {
  observe(protocol: string, op: string, durationMs: number, ok: boolean): void;
}

export interface AdapterContext {
  logger: Logger;
  metadata: MetadataService;
  payload: PayloadService;
  shares: { list(): ShareInfo[]; get(name: string): ShareInfo | undefined };
  identity: IdentityDirectory;
  clients: ClientRegistry;
  metrics: ProtocolMetrics;
}

export interface AdapterSettings {
  host: string;
  /** 0 asks the OS for a free port (tests); `port` on the adapter is then the bound one. */
  port: number;
  [key: string]: unknown;
}

export interface ProtocolAdapter {
  readonly protocol: string;
  /** The bound port once `serve()` resolved. */
  readonly port: number;
  /** Starts listening; resolves when accepting connections. */
  serve(): Promise<void>;
  /** Stops accepting, lets in-flight requests finish, closes connections. */
  stop(): Promise<void>;
  connectionCount(): number;
}

export type AdapterFactory = (settings: AdapterSettings, ctx: AdapterContext) => ProtocolAdapter;
