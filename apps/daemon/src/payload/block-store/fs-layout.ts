/**
 * Where an fs block store keeps each key (docs/payload.md "fs-store layout"), by the layout
 * version recorded in the root:
 *
 * - **1** (roots written before December 2026, no marker): `<root>/<payloadId>/chunk-<c>/block-<b>`.
 *   A small file's only block costs two mkdirs at its first put and two rmdirs at its delete, and
 *   each stored file has a directory of its own to fsync.
 * - **2** (every new root; `.dittofs-layout` says "2"): a payload's first block,
 *   `<payloadId>/chunk-0/block-0`, is the file `<root>/_<hh>/<payloadId>`, in one of 256 shard
 *   directories (`hh` from a hash of the id) that are never removed; every other block stays where
 *   layout 1 puts it. A file of up to 4 MiB thus needs no directory of its own, and the directory
 *   fsyncs of a burst of them fall on at most 256 shards. Listing one payload stays proportional to
 *   the payload: its directory (if it has more than one block) plus one stat of its shard file,
 *   never a scan of a shard.
 *
 * Shard names start with "_" and the marker with ".": neither can be a payload id (keys.ts), so no
 * payload directory is ever taken for one. A root is layout 1 when it holds any payload directory
 * and no marker, so existing data directories keep working unchanged; an empty root gets layout 2.
 */
import { randomBytes } from "node:crypto";
import { constants, type Dirent, promises as fsp } from "node:fs";
import path from "node:path";
import { FsError } from "../../domain/errors.ts";
import { assertBlockKey } from "./keys.ts";

export type FsLayout = 1 | 2;
/** The layout a new root gets. */
export const FS_LAYOUT_CURRENT: FsLayout = 2;
export const LAYOUT_FILE = ".dittofs-layout";
/** Names under the root starting with this are the store's own (staging, marker): never keys. */
const DOT = ".";
const SHARD_PREFIX = "_";
const SHARDS = 256;
const FIRST_BLOCK_SUFFIX = "/chunk-0/block-0";

/** The shard directory name of a payload id: FNV-1a of its characters, low byte, as `_hh`. */
function shardOf(payloadId: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < payloadId.length; i++) h = Math.imul(h ^ payloadId.charCodeAt(i), 0x01000193);
  return SHARD_PREFIX + ((h >>> 0) % SHARDS).toString(16).padStart(2, "0");
}

/** The payload id of a layout-2 flat key (its first block), or null. */
function flatPayload(key: string): string | null {
  const cut = key.length - FIRST_BLOCK_SUFFIX.length;
  if (cut <= 0 || !key.endsWith(FIRST_BLOCK_SUFFIX) || key.lastIndexOf("/", cut - 1) >= 0) return null;
  return key.slice(0, cut);
}

/** The file of a validated key. */
export function fsKeyPath(root: string, layout: FsLayout, key: string): string {
  const id = layout === 2 ? flatPayload(key) : null;
  return id === null ? path.join(root, key) : path.join(root, shardOf(id), id);
}

/** Whether `dir` is a shard directory (never pruned: the fixed set of layout 2). */
export function isShardDir(root: string, dir: string): boolean {
  return path.dirname(dir) === root && path.basename(dir).startsWith(SHARD_PREFIX);
}

/**
 * The root's layout: the marker's, else 1 if it holds a payload directory, else (a new or empty
 * root) the current one, recorded durably before any key is written.
 */
export async function openLayout(root: string, tmpDir: string): Promise<FsLayout> {
  const marker = path.join(root, LAYOUT_FILE);
  try {
    const v = (await fsp.readFile(marker, "utf8")).trim();
    if (v === "1" || v === "2") return Number(v) as FsLayout;
    throw new FsError("EIO", `${marker}: unknown fs block store layout ${JSON.stringify(v.slice(0, 20))}`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const names = await fsp.readdir(root);
  if (names.some((n) => !n.startsWith(DOT) && !n.startsWith(SHARD_PREFIX))) return 1;
  // Written whole and synced under a temp name, then renamed: a crash leaves no torn marker.
  const tmp = path.join(tmpDir, `${DOT}tmp-layout-${randomBytes(6).toString("hex")}`);
  const fh = await fsp.open(tmp, "w", 0o644);
  try {
    await fh.writeFile(`${FS_LAYOUT_CURRENT}\n`);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, marker);
  const dir = await fsp.open(root, constants.O_RDONLY);
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
  return FS_LAYOUT_CURRENT;
}

/** Keys under `prefix`, sorted. */
export async function listKeys(root: string, layout: FsLayout, prefix: string): Promise<string[]> {
  const found: string[] = [];
  const slash = prefix.indexOf("/");
  if (layout === 1 || slash > 0) {
    // Walk only the deepest directory the prefix names, then filter by the full prefix.
    const base = prefix.slice(0, Math.max(0, prefix.lastIndexOf("/")));
    if (base !== "") assertBlockKey(base);
    await walk(root, base, found);
    if (layout === 2 && slash > 0) await addFlat(root, prefix.slice(0, slash), found);
  } else {
    for (const ent of await entries(root, "")) {
      if (!ent.isDirectory() || ent.name.startsWith(DOT)) continue;
      if (!ent.name.startsWith(SHARD_PREFIX)) await walk(root, ent.name, found);
      else
        for (const f of await entries(root, ent.name))
          if (f.isFile() && !f.name.startsWith(DOT)) found.push(f.name + FIRST_BLOCK_SUFFIX);
    }
  }
  found.sort();
  return found.filter((k) => k.startsWith(prefix));
}

/** The payload's first block when its shard holds it (one stat, not a listing of the shard). */
async function addFlat(root: string, payloadId: string, out: string[]): Promise<void> {
  assertBlockKey(payloadId);
  try {
    if ((await fsp.stat(fsKeyPath(root, 2, payloadId + FIRST_BLOCK_SUFFIX))).isFile())
      out.push(payloadId + FIRST_BLOCK_SUFFIX);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR")
      throw new FsError("EIO", `${payloadId}: ${(e as Error).message}`);
  }
}

async function entries(root: string, rel: string): Promise<Dirent[]> {
  try {
    return await fsp.readdir(path.join(root, rel), { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw new FsError("EIO", `${rel}: ${(e as Error).message}`);
  }
}

/** Layout 1's tree under `rel`: directories of payloads and chunks, files of blocks. */
async function walk(root: string, rel: string, out: string[]): Promise<void> {
  for (const ent of await entries(root, rel)) {
    // The staging directory, and in layout 2 the marker and the shards, are not in a payload's tree.
    if (ent.name.startsWith(DOT) || (rel === "" && ent.name.startsWith(SHARD_PREFIX))) continue;
    const child = rel === "" ? ent.name : `${rel}/${ent.name}`;
    if (ent.isDirectory()) await walk(root, child, out);
    else if (ent.isFile()) out.push(child);
  }
}
