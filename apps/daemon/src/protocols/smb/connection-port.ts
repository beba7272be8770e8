/**
 * What commands, requests and opens use of their connection: the connection's negotiated state,
 * its sessions and opens, and the few calls they make on it. SmbConnection (connection.ts)
 * implements it; depending on this type instead of the class keeps connection.ts, which imports
 * the command table, out of the commands' imports (docs/architecture.md "Layers": no cycles).
 */
import type { Smb2Header } from "./header.ts";
import type { Sealer } from "./reply-writer.ts";
import type { Open, Session, SmbServerState } from "./state.ts";

export interface SmbConnectionPort {
  readonly server: SmbServerState;
  dialect: number;
  negotiated: boolean;
  clientGuid: Buffer;
  clientCapabilities: number;
  clientSecurityMode: number;
  clientDialects: number[];
  cipher: number;
  preauthHash: Buffer | null;
  readonly sessions: Map<bigint, Session>;
  readonly opens: Map<bigint, Open>;
  readonly clientId: string;
  readonly localAddress: string;
  readonly remoteAddress: string;
  readonly isClosed: boolean;
  newVolatileId(): bigint;
  newTreeId(): number;
  closeSessionOpens(session: Session, tree?: number): Promise<void>;
  sendBreakNotification(body: Buffer, seal: Sealer | null): void;
  /** Sends the interim STATUS_PENDING reply; null when the connection has too many async requests. */
  goAsync(req: { readonly header: Smb2Header }): AbortSignal | null;
  close(): void;
}
