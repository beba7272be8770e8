/**
 * Directory leases ([MS-SMB2] §3.3.5.9.11, §3.3.4.7; [MS-FSA] §2.1.4.13 "Check for an Oplock
 * Break on the Parent"): a V2 lease on a directory caches its listing (R) and handle (H), never W.
 * A name added, removed or renamed in the directory (by any protocol, heard from the file service's
 * directory listener) and the close of a file written in it break the directory's leases to none
 * without waiting for the acknowledgment, except the lease the changing open names as its
 * ParentLeaseKey: that client made the change and keeps its cache.
 */
import type { DirChangeListener } from "../../files/changes.ts";
import { breakOthers } from "./oplocks.ts";
import type { CacheHolder, Open, SmbServerState } from "./state.ts";

/** The LeaseTable key of the parent lease an open's lease names, or null. */
export function parentLeaseId(open: Open): string | null {
  const lease = open.holder?.lease;
  if (!lease?.parentKey) return null;
  const guid = lease.id.slice(0, lease.id.indexOf(":"));
  return `${guid}:${lease.parentKey.toString("hex")}`;
}

/** The leases of directory `dirHandle` broken to none, except the lease `exempt` names. */
export function breakDirLeases(server: SmbServerState, dirHandle: Buffer, exempt: string | null): void {
  const dir = server.cachedFiles.get(dirHandle.toString("hex"));
  if (!dir) return;
  const own: CacheHolder | null = exempt ? (server.leases.get(exempt) ?? null) : null;
  void breakOthers(server, dir, own?.file === dir ? own : null, () => 0, false);
}

/**
 * Names `name` of `share` as being created by an SMB open whose lease names parent lease
 * `parent` ([MS-FSA] §2.1.4.13: the parent's oplock with that key is not broken), until the
 * returned function is called.
 */
export function exemptParent(server: SmbServerState, share: string, name: string, parent: string | null) {
  if (!parent) return () => {};
  const key = `${share}\0${name}`;
  server.parentExemptions.set(key, parent);
  return () => {
    if (server.parentExemptions.get(key) === parent) server.parentExemptions.delete(key);
  };
}

/** Runs `change` with `names` of the open's share exempted for the open's parent lease. */
export async function asParentLease<T>(open: Open, names: string[], change: () => Promise<T>): Promise<T> {
  const server = open.conn.server;
  const parent = parentLeaseId(open);
  const undo = names.map((n) => exemptParent(server, open.tree.share.name, n, parent));
  try {
    return await change();
  } finally {
    for (const u of undo) u();
  }
}

/** The listener the adapter registers: every protocol's name changes break directory leases. */
export function dirLeaseListener(server: SmbServerState): DirChangeListener {
  return (e) => {
    if (server.cachedFiles.size === 0) return;
    breakDirLeases(server, e.dir, server.parentExemptions.get(`${e.share}\0${e.name}`) ?? null);
  };
}
