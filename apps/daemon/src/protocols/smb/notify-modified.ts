/**
 * FILE_ACTION_MODIFIED for CHANGE_NOTIFY ([MS-FSCC] §2.4.42; CompletionFilter bits [MS-SMB2]
 * §2.2.35): the file service's modified events (a write, a truncate, attributes, times or
 * ownership set, by any protocol) for files in watched directories. An event names the file by
 * handle; its name in a watched directory comes from an SMB open of it, else from the directory's
 * listing, indexed once per directory (fileid -> name) and dropped when a name in it changes
 * (notify.ts). The listener is registered only while some directory is watched, so writes pay
 * nothing otherwise.
 */
import { type FileModifiedEvent, MODIFIED } from "../../files/changes.ts";
import { treeCall } from "./calls.ts";
import { queueChange } from "./notify.ts";
import type { SmbServerState } from "./state.ts";

const FILE_ACTION_MODIFIED = 3;
/** Entries a watched directory's index holds; another protocol's changes in a larger one go unreported. */
export const MAX_INDEXED_ENTRIES = 16_384;
const LIST_PAGE = 1024;

/** MODIFIED bits → FILE_NOTIFY_CHANGE_* bits. */
const FILTER_BITS: readonly [number, number][] = [
  [MODIFIED.attributes, 0x4],
  [MODIFIED.size, 0x8],
  [MODIFIED.writeTime, 0x10],
  [MODIFIED.accessTime, 0x20],
  [MODIFIED.creationTime, 0x40],
  [MODIFIED.eas, 0x80],
  [MODIFIED.security, 0x100],
];

function filterBits(changed: number): number {
  let bits = 0;
  for (const [m, f] of FILTER_BITS) if (changed & m) bits |= f;
  return bits;
}

/** Starts hearing modified events, if not already (CHANGE_NOTIFY made a watch). */
export function followModified(server: SmbServerState): void {
  server.stopModified ??= server.ctx.files.addModifiedListener((e) => onModified(server, e));
}

function onModified(server: SmbServerState, e: FileModifiedEvent): void {
  if (server.watchers.size === 0) {
    server.stopModified?.();
    server.stopModified = null;
    return;
  }
  const bits = filterBits(e.changed);
  const wants = (filter: number) => (filter & bits) !== 0;
  let named = false;
  for (const o of server.files.get(`${e.share}:${e.fileid}`)?.opens ?? []) {
    if (o.parent === null || o.stream !== null) continue;
    named = true;
    queueChange(server, o.parent.toString("hex"), FILE_ACTION_MODIFIED, o.name, wants);
  }
  if (named) return;
  byListing(server, e, wants).catch((err: unknown) =>
    server.ctx.logger.warn({ err }, "smb: change notify: listing a watched directory failed"),
  );
}

/** A file no SMB client has open: found by fileid in the indexes of the watched directories of its share. */
async function byListing(
  server: SmbServerState,
  e: FileModifiedEvent,
  wants: (filter: number) => boolean,
): Promise<void> {
  for (const [key, opens] of server.watchers) {
    const open = [...opens].find((o) => o.tree.share.name === e.share);
    if (!open) continue;
    let index = server.watchIndex.get(key);
    if (!index) {
      index = listNames(server, open.tree, open.handle);
      server.watchIndex.set(key, index);
    }
    const name = (await index)?.get(e.fileid);
    if (name !== undefined) queueChange(server, key, FILE_ACTION_MODIFIED, name, wants);
  }
}

async function listNames(
  server: SmbServerState,
  tree: Parameters<typeof treeCall>[0],
  dir: Buffer,
): Promise<Map<bigint, string> | null> {
  const names = new Map<bigint, string>();
  let cookie = 0n;
  let verifier: Buffer | null = null;
  for (;;) {
    const page = await server.ctx.files.entries(treeCall(tree, dir), cookie, verifier, LIST_PAGE);
    for (const en of page.entries) names.set(en.fileid, en.name);
    if (names.size > MAX_INDEXED_ENTRIES) return null;
    if (page.eof || page.entries.length === 0) return names;
    cookie = page.entries.at(-1)!.cookie;
    verifier = page.verifier;
  }
}
