/**
 * What the Runtime hands to protocol adapters, and what an adapter must implement
 * (docs/architecture.md "Layers"). Adapters reach data only through the services in the context.
 */
import type { Logger } from "pino";
import type { BufferPool } from "../domain/buffer-pool.ts";
import type { ClientRegistry } from "../domain/clients.ts";
import type { IdentityDirectory } from "../domain/identity.ts";
import type { LogonGate } from "../domain/logon.ts";
import type { Nfs4ClientStore } from "../domain/nfs4-clients.ts";
import type { ShareInfo } from "../domain/share.ts";
import type { ProtocolMetrics } from "../domain/stats.ts";
import type { FileService } from "../files/service.ts";
import type { ByteBudget } from "./transport/budget.ts";

export interface AdapterContext {
  logger: Logger;
  /** The one entry for file operations (docs/architecture.md "Layers"): no metadata or payload here. */
  files: FileService;
  shares: { list(): ShareInfo[]; get(name: string): ShareInfo | undefined };
  identity: IdentityDirectory;
  clients: ClientRegistry;
  metrics: ProtocolMetrics;
  /** The daemon's logon throttle, shared with the API login. */
  logons: LogonGate;
  /** The global budget of bytes all connections may buffer; absent: each adapter has its own. */
  bufferBudget?: ByteBudget;
  /**
   * Where connections receive big frames (WRITEs), reused once the payload cache lets go of them
   * (domain/buffer-pool.ts); absent: each adapter has its own.
   */
  receivePool?: BufferPool;
  /**
   * This daemon's persisted NFSv4 client records (the control-plane store), so clients reclaim
   * after a restart; absent (tests): records live in memory and a restart forgets them.
   */
  nfs4Clients?: Nfs4ClientStore;
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
