/**
 * Who has mounted what, for MOUNT DUMP and the Runtime's connected-clients list. NFSv3 mounts are
 * advisory (a client may never send UMNT), so entries are keyed by (host, path) and bounded, and a
 * mount is listed as a connected client only while its host sent a request in the last
 * NFS_CLIENT_IDLE_MS (every RPC from the host counts, see `touch`).
 */
import type { ClientRegistry } from "../../../domain/clients.ts";
import { MAX_MOUNT_ENTRIES } from "./constants.ts";

/**
 * An NFS client with no request for this long is no longer listed as connected (NFSv3 has no
 * session to end). Five minutes is the Linux client's idle timeout for its TCP connection
 * (xprt idle_timeout), so a mounted but quiet client drops out about when its connection does.
 */
export const NFS_CLIENT_IDLE_MS = 5 * 60_000;

/** How often one host's requests refresh its mounts' activity (far below NFS_CLIENT_IDLE_MS). */
const TOUCH_INTERVAL_MS = 1_000;

export interface MountEntry {
  host: string;
  path: string;
  share: string;
  clientId: string;
}

export class MountTable {
  private entries = new Map<string, MountEntry>();
  /**
   * host → share → the client of that host's newest mount of the share (READ/WRITE counting):
   * two map lookups per call, no key string built.
   */
  private byHost = new Map<string, Map<string, string>>();
  /** When each host's mounts were last marked active (bounded: cleared at maxEntries hosts). */
  private lastTouchMs = new Map<string, number>();

  constructor(
    private readonly clients: ClientRegistry,
    private readonly maxEntries = MAX_MOUNT_ENTRIES,
    private readonly idleAfterMs = NFS_CLIENT_IDLE_MS,
  ) {}

  /**
   * A request from `host`: its mounts are active now. Runs on every RPC, so the scan of the table
   * happens at most once per TOUCH_INTERVAL_MS per host (activity is judged in minutes).
   */
  touch(host: string): void {
    const now = Date.now();
    const last = this.lastTouchMs.get(host);
    if (last !== undefined && now - last < TOUCH_INTERVAL_MS && now >= last) return;
    if (this.lastTouchMs.size >= this.maxEntries) this.lastTouchMs.clear();
    this.lastTouchMs.set(host, now);
    for (const e of this.entries.values()) if (e.host === host) this.clients.touch(e.clientId);
  }

  add(host: string, path: string, share: string, user: string | null): void {
    const key = `${host}|${path}`;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.entries.set(key, old);
      return;
    }
    const clientId = this.clients.add(
      { protocol: "nfs", address: host, share, user },
      { idleAfterMs: this.idleAfterMs },
    );
    this.entries.set(key, { host, path, share, clientId });
    let shares = this.byHost.get(host);
    if (shares === undefined) {
      shares = new Map();
      this.byHost.set(host, shares);
    }
    shares.set(share, clientId);
    while (this.entries.size > this.maxEntries) {
      const [k, e] = this.entries.entries().next().value as [string, MountEntry];
      this.entries.delete(k);
      this.dropped(e);
    }
  }

  /** The connected clients of `host`'s mounts by share (their READ/WRITE bytes are counted there). */
  clientsOf(host: string): ReadonlyMap<string, string> | undefined {
    return this.byHost.get(host);
  }

  private dropped(e: MountEntry): void {
    this.clients.remove(e.clientId);
    const shares = this.byHost.get(e.host);
    if (shares?.get(e.share) !== e.clientId) return;
    shares.delete(e.share);
    // Another mount of the same share by the host (another path) now carries its traffic.
    for (const other of this.entries.values()) {
      if (other.host === e.host && other.share === e.share) shares.set(e.share, other.clientId);
    }
    if (shares.size === 0) this.byHost.delete(e.host);
  }

  remove(host: string, path: string): void {
    const key = `${host}|${path}`;
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.dropped(e);
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
