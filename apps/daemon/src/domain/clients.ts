/** Connected protocol clients, as adapters register them and the control plane lists them. */

import type { TrafficCounts } from "./stats.ts";

export interface ConnectedClient {
  id: string;
  protocol: string;
  address: string;
  share: string | null;
  user: string | null;
  since: Date;
  /** Last request seen (NFS has no session: an entry is listed while this is recent). */
  lastActive: Date;
  /** An admin can close it (an SMB connection); NFS has nothing to close. */
  disconnectable: boolean;
  /** What this client read and wrote through the file service since it connected. */
  traffic: TrafficCounts;
}

/** What an adapter gives when it registers a client; the registry fills in the rest. */
export type NewClient = Omit<ConnectedClient, "id" | "since" | "lastActive" | "disconnectable" | "traffic">;

export interface ClientOptions {
  /** Not listed once idle this long (no `touch`); absent: listed until removed. */
  idleAfterMs?: number;
  /** Closes the client's connection (the adapter then removes it). */
  disconnect?: () => void;
}

export interface ClientRegistry {
  add(client: NewClient, options?: ClientOptions): string;
  update(id: string, patch: Partial<Pick<ConnectedClient, "share" | "user">>): void;
  /** Records activity now. */
  touch(id: string): void;
  remove(id: string): void;
  list(): ConnectedClient[];
}
