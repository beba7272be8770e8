/**
 * Who has mounted what, for MOUNT DUMP and the Runtime's connected-clients list. NFSv3 mounts are
 * advisory (a client may never send UMNT), so entries are keyed by (host, path) and bounded.
 */
import type { ClientRegistry } from "../../../domain/clients.ts";
import { MAX_MOUNT_ENTRIES } from "./constants.ts";

export interface MountEntry {
  host: string;
  path: string;
  share: string;
  clientId: string;
}

export class MountTable {
  private entries = new Map<string, MountEntry>();

  constructor(
    private readonly clients: ClientRegistry,
    private readonly maxEntries = MAX_MOUNT_ENTRIES,
  ) {}

  add(host: string, path: string, share: string, user: string | null): void {
    const key = `${host}|${path}`;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.entries.set(key, old);
      return;
    }
    const clientId = this.clients.add({ protocol: "nfs", address: host, share, user });
    this.entries.set(key, { host, path, share, clientId });
    while (this.entries.size > this.maxEntries) {
      const [k, e] = this.entries.entries().next().value as [string, MountEntry];
      this.entries.delete(k);
      this.clients.remove(e.clientId);
    }
  }

  remove(host: string, path: string): void {
    const key = `${host}|${path}`;
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.clients.remove(e.clientId);
  }

  removeHost(host: string): void {
    for (const e of [...this.entries.values()]) if (e.host === host) this.remove(e.host, e.path);
  }

  clear(): void {
    for (const e of [...this.entries.values()]) this.remove(e.host, e.path);
  }

  list(): MountEntry[] {
    return [...this.entries.values()];
  }
}
