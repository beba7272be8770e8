/**
 * Connected clients as the adapters report them (one entry per TCP connection / SMB session),
 * listed by the console and counted in /metrics.
 */
import { randomUUID } from "node:crypto";
import type { ClientRegistry, ConnectedClient } from "../domain/clients.ts";

/** Past this many tracked clients new ones are not listed (adapters enforce their own limits). */
export const CLIENTS_TRACKED_MAX = 65_536;

export class MemoryClientRegistry implements ClientRegistry {
  readonly #clients = new Map<string, ConnectedClient>();

  add(client: Omit<ConnectedClient, "id" | "since">): string {
    const id = randomUUID();
    if (this.#clients.size < CLIENTS_TRACKED_MAX) {
      this.#clients.set(id, { ...client, id, since: new Date() });
    }
    return id;
  }

  update(id: string, patch: Partial<Pick<ConnectedClient, "share" | "user">>): void {
    const client = this.#clients.get(id);
    if (client === undefined) return;
    if (patch.share !== undefined) client.share = patch.share;
    if (patch.user !== undefined) client.user = patch.user;
  }

  remove(id: string): void {
    this.#clients.delete(id);
  }

  /** Drops every client of a protocol (its adapter stopped and closed the connections). */
  removeProtocol(protocol: string): void {
    for (const [id, client] of this.#clients) if (client.protocol === protocol) this.#clients.delete(id);
  }

  list(): ConnectedClient[] {
    return [...this.#clients.values()].map((client) => ({ ...client }));
  }

  countByProtocol(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const client of this.#clients.values()) {
      counts.set(client.protocol, (counts.get(client.protocol) ?? 0) + 1);
    }
    return counts;
  }
}
