/**
 * Connected clients as the adapters report them (one entry per SMB connection, one per NFSv3
 * mount, one per confirmed NFSv4 client record), listed by the console and counted in /metrics. An entry registered with `idleAfterMs`
 * (NFS: no session, a client may never UMNT) is listed only while it was active that recently.
 */
import { randomUUID } from "node:crypto";
import type { ClientOptions, ClientRegistry, ConnectedClient, NewClient } from "../domain/clients.ts";
import type { TrafficCounts } from "../domain/stats.ts";
import { addTraffic, noTraffic } from "./traffic.ts";

/** Past this many tracked clients new ones are not listed (adapters enforce their own limits). */
export const CLIENTS_TRACKED_MAX = 65_536;

interface Entry {
  /** The adapter type that registered it (forAdapter): its clients go when it stops. */
  adapter: string;
  client: Omit<ConnectedClient, "lastActive" | "disconnectable" | "traffic">;
  lastActiveMs: number;
  traffic: TrafficCounts;
  options: ClientOptions;
}

export class MemoryClientRegistry implements ClientRegistry {
  readonly #clients = new Map<string, Entry>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  add(client: NewClient, options: ClientOptions = {}): string {
    return this.#add("", client, options);
  }

  /**
   * The registry as the adapter of type `adapter` sees it (AdapterContext.clients): what it adds
   * is that adapter's, and removeAdapter drops it when the adapter stops, whatever the protocol
   * names it reports (the NFS adapter's "nfs3" and "nfs4.1" alike).
   */
  forAdapter(adapter: string): ClientRegistry {
    return {
      add: (client, options = {}) => this.#add(adapter, client, options),
      update: (id, patch) => this.update(id, patch),
      touch: (id) => this.touch(id),
      remove: (id) => this.remove(id),
      list: () => this.list(),
    };
  }

  #add(adapter: string, client: NewClient, options: ClientOptions): string {
    const id = randomUUID();
    if (this.#clients.size < CLIENTS_TRACKED_MAX) {
      const at = this.now();
      this.#clients.set(id, {
        adapter,
        client: { ...client, id, since: new Date(at) },
        lastActiveMs: at,
        traffic: noTraffic(),
        options,
      });
    }
    return id;
  }

  /** Counts one READ or WRITE of `bytes` for the client (the file service's TrafficSink). */
  count(id: string, kind: "read" | "write", bytes: number): void {
    const entry = this.#clients.get(id);
    if (entry !== undefined) addTraffic(entry.traffic, kind, bytes);
  }

  update(id: string, patch: Partial<Pick<ConnectedClient, "share" | "user">>): void {
    const entry = this.#clients.get(id);
    if (entry === undefined) return;
    if (patch.share !== undefined) entry.client.share = patch.share;
    if (patch.user !== undefined) entry.client.user = patch.user;
  }

  touch(id: string): void {
    const entry = this.#clients.get(id);
    if (entry !== undefined) entry.lastActiveMs = this.now();
  }

  remove(id: string): void {
    this.#clients.delete(id);
  }

  /** Drops every client the adapter `adapter` added (it stopped and closed the connections). */
  removeAdapter(adapter: string): void {
    for (const [id, entry] of this.#clients) {
      if (entry.adapter === adapter) this.#clients.delete(id);
    }
  }

  /** Closes a listed client's connection: "gone" if not listed, "unsupported" if it has none to close. */
  disconnect(id: string): "ok" | "gone" | "unsupported" {
    const entry = this.#clients.get(id);
    if (entry === undefined || !this.#listed(entry)) return "gone";
    if (entry.options.disconnect === undefined) return "unsupported";
    entry.options.disconnect();
    return "ok";
  }

  list(): ConnectedClient[] {
    const out: ConnectedClient[] = [];
    for (const entry of this.#clients.values()) {
      if (!this.#listed(entry)) continue;
      out.push({
        ...entry.client,
        lastActive: new Date(entry.lastActiveMs),
        disconnectable: entry.options.disconnect !== undefined,
        traffic: { ...entry.traffic },
      });
    }
    return out;
  }

  countByProtocol(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const entry of this.#clients.values()) {
      if (!this.#listed(entry)) continue;
      counts.set(entry.client.protocol, (counts.get(entry.client.protocol) ?? 0) + 1);
    }
    return counts;
  }

  #listed(entry: Entry): boolean {
    const idle = entry.options.idleAfterMs;
    return idle === undefined || this.now() - entry.lastActiveMs <= idle;
  }
}
