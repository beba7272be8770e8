/**
 * What READDIR and READDIRPLUS share (RFC 1813 §3.3.16–17): the (dir, cookie, cookieverf) head of
 * their arguments, reply-size budgeting (how many entries to ask the service for, how many fit the
 * client's count/dircount/maxcount), the page itself with `.` and `..`, and the reply's frame.
 */
import { FsError } from "../../../../domain/errors.ts";
import type { FileCall } from "../../../../files/types.ts";
import type { DirEntry, FileAttr, ReaddirResult } from "../../../../metadata/types.ts";
import type { XdrReader } from "../../xdr/reader.ts";
import type { XdrWriter } from "../../xdr/writer.ts";
import { MAX_READDIR_ENTRIES, MAX_READDIR_REPLY_BYTES, NFS3_COOKIEVERFSIZE } from "../constants.ts";
import type { NfsEnv } from "../procedure.ts";
import { decodeFh, encodePostOpAttr } from "../types.ts";

/** READDIR3args / READDIRPLUS3args up to (not including) their byte counts. */
export interface ReaddirHead {
  dir: Buffer;
  cookie: bigint;
  verifier: Buffer;
}

export function decodeReaddirHead(r: XdrReader): ReaddirHead {
  return { dir: decodeFh(r), cookie: r.uint64(), verifier: r.fixedOpaque(NFS3_COOKIEVERFSIZE) };
}

export interface ReaddirRes {
  dirAttr: FileAttr;
  result: ReaddirResult;
  /** Entries of `result` that fit the budget. */
  n: number;
}

/** A reply budget: entries to fetch, whole-reply bytes, and entry bytes (READDIRPLUS dircount). */
export interface ReaddirBudget {
  plus: boolean;
  fetch: number;
  maxBytes: number;
  dirBytes: number;
}

/** One page: the file service's entries (with the dots) cut to the budget, and the directory's attributes. */
export async function readdirPage(
  env: NfsEnv,
  dir: FileCall,
  a: ReaddirHead,
  budget: ReaddirBudget,
): Promise<ReaddirRes> {
  const { dirAttr, result } = await env.files.readdir(dir, {
    cookie: a.cookie,
    verifier: a.verifier,
    max: budget.fetch,
  });
  return {
    dirAttr,
    result,
    n: entriesThatFit(result.entries, budget.plus, budget.maxBytes, budget.dirBytes),
  };
}

/**
 * dirlist3 / dirlistplus3 with the attributes and verifier before it; `entryTail` writes what a
 * READDIRPLUS entry carries after its cookie. eof only when every remaining entry was sent.
 */
export function encodeReaddirPage(
  w: XdrWriter,
  r: ReaddirRes,
  entryTail?: (w: XdrWriter, e: DirEntry) => void,
): void {
  encodePostOpAttr(w, r.dirAttr);
  w.fixedOpaque(r.result.verifier);
  for (let i = 0; i < r.n; i++) {
    const e = r.result.entries[i]!;
    w.bool(true).uint64(e.fileid).string(e.name).uint64(e.cookie);
    entryTail?.(w, e);
  }
  w.bool(false).bool(r.result.eof && r.n === r.result.entries.length);
}

/** status + post_op_attr(dir) + cookieverf3 + list terminator + eof. */
export const READDIR_FIXED_BYTES = 4 + 4 + 84 + 8 + 4 + 4;
/** value_follows + fileid + name length + cookie, excluding the padded name. */
const ENTRY_FIXED_BYTES = 4 + 8 + 4 + 8;
/** post_op_attr with fattr3 + post_op_fh3 header, excluding the padded handle. */
const PLUS_EXTRA_FIXED_BYTES = 4 + 84 + 4 + 4;

const pad4 = (n: number) => (n + 3) & ~3;

/**
 * Entries to fetch: enough to fill the budget with the smallest possible entries, plus one. A
 * READDIRPLUS entry carries a handle of `handleBytes` (a share's handles are all as long as its
 * directory's): counting it keeps the service from building entries (inode, handle, attributes)
 * the reply has no room for, a sixth of a libnfs page (maxcount 8192) with the 8 bytes assumed before.
 */
export function entriesToFetch(maxBytes: number, plus: boolean, handleBytes = 8): number {
  const smallest = ENTRY_FIXED_BYTES + 4 + (plus ? PLUS_EXTRA_FIXED_BYTES + pad4(handleBytes) : 0);
  const budget = Math.min(maxBytes, MAX_READDIR_REPLY_BYTES) - READDIR_FIXED_BYTES;
  return Math.max(1, Math.min(MAX_READDIR_ENTRIES, Math.floor(budget / smallest) + 1));
}

/**
 * How many of `entries` fit in `maxBytes` (whole reply) and `dirBytes` (READDIRPLUS dircount:
 * the fileid/name/cookie parts only). Throws ETOOSMALL when not even the first entry fits.
 */
export function entriesThatFit(
  entries: DirEntry[],
  plus: boolean,
  maxBytes: number,
  dirBytes: number,
): number {
  let total = READDIR_FIXED_BYTES;
  let dir = 0;
  const max = Math.min(maxBytes, MAX_READDIR_REPLY_BYTES);
  let n = 0;
  for (const e of entries) {
    // Each entry's size on the wire: its dircount part (fileid, name, cookie) and its whole.
    const dirPart = ENTRY_FIXED_BYTES + pad4(Buffer.byteLength(e.name, "utf8"));
    const entry = plus ? dirPart + PLUS_EXTRA_FIXED_BYTES + pad4(e.handle.length) : dirPart;
    if (total + entry > max || dir + dirPart > dirBytes) break;
    total += entry;
    dir += dirPart;
    n++;
  }
  if (n === 0 && entries.length > 0) throw new FsError("ETOOSMALL", `count ${maxBytes} too small`);
  return n;
}
