/**
 * READDIR with cookies that are per-directory entry sequence numbers stored with each entry: no
 * server memory per listing, stable across inserts and removals (new entries always sort after
 * every issued cookie; a removed entry's cookie still resumes after its position) and across
 * restarts of a persistent store. Cookies 1 and 2 are never issued to entries (left for `.`/`..`).
 */
import { FsError } from "../../domain/errors.ts";
import { requireDir, type ServiceCore } from "../core.ts";
import { LIST_ENTRIES_MAX, type MetadataStore } from "../metadata-store.ts";
import { R, requireAccess } from "../permissions.ts";
import type { Caller, DirEntry, ReaddirResult } from "../types.ts";

/** Largest page returned, whatever the caller asks. */
export const READDIR_ENTRIES_MAX = LIST_ENTRIES_MAX;

export async function readdir(
  core: ServiceCore,
  caller: Caller,
  dirHandle: Buffer,
  cookie: bigint,
  _verifier: Buffer | null,
  maxEntries: number,
): Promise<ReaddirResult> {
  const t = core.target(dirHandle);
  const { share } = t;
  const dir = await core.load(t);
  requireDir(dir);
  requireAccess(core.identity(share, caller), dir, R);
  if (cookie < 0n) throw new FsError("EBADCOOKIE");
  if (cookie > dir.entrySeq) await requireIssuedCookie(share.store, dir.id, cookie);
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new FsError("ETOOSMALL");
  const limit = Math.min(maxEntries, READDIR_ENTRIES_MAX);
  const listed = await share.store.listEntries(dir.id, cookie, limit + 1);
  const eof = listed.length <= limit;
  const entries: DirEntry[] = listed.slice(0, limit).map((e) => ({
    name: e.name,
    fileid: e.inode.id,
    cookie: e.seq,
    handle: core.handleOf(share, e.inode.id),
    attr: core.attr(share, e.inode),
  }));
  return {
    entries,
    eof,
    verifier: verifierOf(dir.btime.sec, dir.btime.nsec),
    dirAttr: core.attr(share, dir),
  };
}

/**
 * A cookie past the directory's sequence as `load` saw it: on a shared PostgreSQL store that copy
 * may be up to PG_CACHE_TTL_MS old while another daemon issued newer cookies, so re-read the
 * directory inside a transaction (which never reads the cache) before calling the cookie bad.
 */
async function requireIssuedCookie(store: MetadataStore, dirId: bigint, cookie: bigint): Promise<void> {
  const fresh = await store.transaction(async (tx) => tx.getInode(dirId));
  if (fresh === undefined) throw new FsError("ESTALE");
  if (cookie > fresh.entrySeq) throw new FsError("EBADCOOKIE");
}

/**
 * RFC 1813 §3.3.16 cookieverf3: our cookies never go bad, so the verifier only has to be stable
 * per directory; the directory's birth time is.
 */
function verifierOf(sec: number, nsec: number): Buffer {
  const v = Buffer.alloc(8);
  v.writeUInt32BE(sec >>> 0, 0);
  v.writeUInt32BE(nsec >>> 0, 4);
  return v;
}
