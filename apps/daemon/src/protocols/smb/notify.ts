/**
 * Directory change notification state ([MS-SMB2] §3.3.5.19 CHANGE_NOTIFY, [MS-FSCC] §2.4.42
 * FILE_NOTIFY_INFORMATION): each directory open that asked for notifications keeps a bounded
 * queue of changes from the file service's directory listener (any protocol's changes),
 * drained by its pending CHANGE_NOTIFY requests. A subtree watch (SMB2_WATCH_TREE) gets changes
 * below its directory by relative name where an SMB open knows the changed directory's path, and
 * "enumerate again" (STATUS_NOTIFY_ENUM_DIR) for changes in directories no open names. Files written
 * or whose attributes were set are FILE_ACTION_MODIFIED (notify-modified.ts).
 */
import type { DirChangeEvent, DirChangeListener } from "../../files/changes.ts";
import type { NotifyOutcome, NotifyState } from "./open-parts.ts";
import type { Open, SmbServerState } from "./state.ts";
import { SmbWriter } from "./wire.ts";

/** Changes queued per watching open before the next reply says "enumerate again" (ENUM_DIR). */
export const MAX_NOTIFY_QUEUE = 512;
/** CHANGE_NOTIFY requests one open may have pending at once. */
export const MAX_NOTIFY_WAITERS = 16;

/** [MS-FSCC] §2.4.42 Action. */
const ACTION: Record<DirChangeEvent["action"], number> = {
  added: 1,
  removed: 2,
  "renamed-old": 4,
  "renamed-new": 5,
};
/** §2.2.35 CompletionFilter bits this server reports. */
export const FILE_NOTIFY_CHANGE_FILE_NAME = 0x1;
export const FILE_NOTIFY_CHANGE_DIR_NAME = 0x2;

function matches(filter: number, isDir: boolean | null): boolean {
  if (isDir === null) return (filter & (FILE_NOTIFY_CHANGE_FILE_NAME | FILE_NOTIFY_CHANGE_DIR_NAME)) !== 0;
  return (filter & (isDir ? FILE_NOTIFY_CHANGE_DIR_NAME : FILE_NOTIFY_CHANGE_FILE_NAME)) !== 0;
}

/**
 * The path in its share of the directory an event names, from an SMB open of it (opens name the
 * stored names, and a directory with opens below it cannot be renamed: set-info.ts), or null.
 */
function dirPath(server: SmbServerState, e: DirChangeEvent, key: string): string | null {
  for (const o of server.watchers.get(key) ?? []) if (o.tree.share.name === e.share) return o.path;
  const file = server.files.get(`${e.share}:${server.ctx.files.fileidOf(e.dir)}`);
  for (const o of file?.opens ?? []) if (o.stream === null) return o.path;
  return null;
}

/** `path` relative to the directory `base` ("" for `base` itself), or null if not below it. */
function below(base: string, path: string): string | null {
  if (base === "" || path === base) return path.slice(base.length);
  return path.startsWith(`${base}\\`) ? path.slice(base.length + 1) : null;
}

/**
 * Subtree watches (SMB2_WATCH_TREE) above the directory of `e` hear the change by its name
 * relative to their directory ([MS-SMB2] §3.3.5.19, as Samba reports it); when no SMB open
 * names that directory's path, every subtree watch of the share is told to enumerate again.
 */
function tellTreeWatchers(server: SmbServerState, e: DirChangeEvent, key: string): void {
  if (server.treeWatchers.size === 0) return;
  const path = dirPath(server, e, key);
  const wants = (filter: number) => matches(filter, e.isDir);
  for (const open of server.treeWatchers) {
    const n = open.notify;
    if (!n || open.tree.share.name !== e.share || open.handle.toString("hex") === key) continue;
    if (path === null) {
      n.overflow = true;
      n.waiters.shift()?.("changes");
      continue;
    }
    const rel = below(open.path, path);
    if (rel !== null) queueOn(n, ACTION[e.action], rel === "" ? e.name : `${rel}\\${e.name}`, wants);
  }
}

/** The listener the adapter registers on the metadata service. */
export function notifyListener(server: SmbServerState): DirChangeListener {
  return (e) => {
    const key = e.dir.toString("hex");
    tellTreeWatchers(server, e, key);
    // A name changed: the directory's fileid -> name index (notify-modified.ts) is stale.
    server.watchIndex.delete(key);
    queueChange(server, key, ACTION[e.action], e.name, (filter) => matches(filter, e.isDir));
  };
}

/**
 * Queues a change for the watches of the directory `key` whose filter `wants` it, and wakes one
 * pending request of each. An identical change right after the last queued one is not queued
 * again (Samba coalesces identical records: a create that writes and sets times is one MODIFIED).
 */
export function queueChange(
  server: SmbServerState,
  key: string,
  action: number,
  name: string,
  wants: (filter: number) => boolean,
): void {
  const opens = server.watchers.get(key);
  if (!opens) return;
  for (const open of opens) if (open.notify) queueOn(open.notify, action, name, wants);
}

/** Queues a change on one watch if its filter `wants` it, and wakes one of its pending requests. */
function queueOn(n: NotifyState, action: number, name: string, wants: (filter: number) => boolean): void {
  if (!wants(n.filter)) return;
  const last = n.queue.at(-1);
  if (last?.action === action && last.name === name) return;
  if (n.queue.length >= MAX_NOTIFY_QUEUE) n.overflow = true;
  else n.queue.push({ action, name });
  n.waiters.shift()?.("changes");
}

export function watch(
  server: SmbServerState,
  open: Open,
  filter: number,
  tree: boolean,
  maxBytes: number,
): NotifyState {
  if (!open.notify) {
    open.notify = { filter, tree, maxBytes, queue: [], overflow: false, waiters: [] };
    if (tree) server.treeWatchers.add(open);
    const key = open.handle.toString("hex");
    let set = server.watchers.get(key);
    if (!set) {
      set = new Set();
      server.watchers.set(key, set);
    }
    set.add(open);
  }
  open.notify.filter = filter;
  return open.notify;
}

/** CLOSE of a watching open: pending requests end with STATUS_NOTIFY_CLEANUP (§3.3.5.10). */
export function unwatch(server: SmbServerState, open: Open): void {
  const n = open.notify;
  if (!n) return;
  open.notify = null;
  server.treeWatchers.delete(open);
  const key = open.handle.toString("hex");
  const set = server.watchers.get(key);
  set?.delete(open);
  if (set?.size === 0) {
    server.watchers.delete(key);
    server.watchIndex.delete(key);
  }
  for (const w of n.waiters.splice(0)) w("cleanup");
}

/**
 * A watched directory became delete-pending while still open: its pending requests end with
 * STATUS_DELETE_PENDING, as Samba and Windows answer (smbtorture smb2.notify.rmdir*).
 */
export function endWatches(opens: Iterable<Open>, outcome: NotifyOutcome): void {
  for (const o of opens) for (const w of o.notify?.waiters.splice(0) ?? []) w(outcome);
}

/**
 * FILE_NOTIFY_INFORMATION entries for the queued changes (drained), or null when they do not fit
 * in `maxBytes` or changes were dropped: the client must then enumerate (STATUS_NOTIFY_ENUM_DIR).
 */
export function drain(n: NotifyState, maxBytes: number): Buffer | null {
  const items = n.queue.splice(0);
  const overflow = n.overflow;
  n.overflow = false;
  if (overflow) return null;
  const w = new SmbWriter(256);
  let last = -1;
  for (const it of items) {
    w.align(4);
    if (last >= 0) w.patchU32(last, w.length - last);
    last = w.length;
    const name = Buffer.from(it.name, "utf16le");
    w.u32(0).u32(it.action).u32(name.length).bytes(name);
  }
  const out = w.finish();
  return out.length > Math.min(maxBytes, n.maxBytes) ? null : out;
}
