/**
 * SMB2 QUERY_DIRECTORY ([MS-SMB2] §2.2.33, §2.2.34, §3.3.5.18): enumerates a directory open with
 * a pattern fixed at the first call (or restart/reopen), "." and ".." first, resuming by readdir
 * cookie. An exact name is a single lookup. First call with no match → NO_SUCH_FILE, later → NO_MORE_FILES.
 */

import { grantedCall, treeCall } from "../calls.ts";
import * as C from "../constants.ts";
import { compilePattern, DIR_INFO_CLASSES, encodeEntry, hasWildcards } from "../info/dir-info.ts";
import { MAX_PATH_BYTES } from "../limits.ts";
import * as S from "../ntstatus.ts";
import type { DirEnum, DirItem } from "../open-parts.ts";
import { type CommandSpec, type Reply, readFileId, type SmbRequest } from "../request.ts";
import type { Open } from "../state.ts";
import { SmbError } from "../status.ts";
import { SmbWriter, slice } from "../wire.ts";
import { reported } from "../write-time.ts";

export const READDIR_BATCH = 256;
export const MAX_DIR_OUTPUT_BYTES = 1024 * 1024;

function freshEnum(pattern: string): DirEnum {
  return { pattern, cookie: 0n, verifier: null, pending: [], dotsSent: false, eof: false, started: false };
}

/** Next candidate entries (already pattern-filtered), or [] at the end. */
async function nextItems(
  req: SmbRequest,
  open: Open,
  e: DirEnum,
  match: (n: string) => boolean,
): Promise<DirItem[]> {
  const files = req.server.ctx.files;
  const dir = grantedCall(open);
  if (!e.dotsSent) {
    e.dotsSent = true;
    const self = await files.getattr(dir);
    const parent = open.parent ? await files.getattr(treeCall(open.tree, open.parent)) : self;
    const dots = [
      { name: ".", attr: self },
      { name: "..", attr: parent },
    ].filter((d) => match(d.name));
    if (!hasWildcards(e.pattern)) {
      e.eof = true;
      // An exact name matches another case as CREATE does ([MS-FSA] §2.1.5.6.3: case-insensitive).
      const hit = await files.find(dir, e.pattern, { caseless: true }).catch(() => null);
      return hit ? [{ name: hit.name, attr: hit.attr }] : dots;
    }
    if (dots.length > 0) return dots;
  }
  while (!e.eof) {
    const page = await files.entries(dir, e.cookie, e.verifier, READDIR_BATCH);
    e.verifier = page.verifier;
    e.eof = page.eof;
    const last = page.entries[page.entries.length - 1];
    if (last) e.cookie = last.cookie;
    const items = page.entries.filter((x) => x.name !== "." && x.name !== ".." && match(x.name));
    if (items.length > 0) return items.map((x) => ({ name: x.name, attr: x.attr }));
    if (page.entries.length === 0) e.eof = true;
  }
  return [];
}

export async function queryDirectory(req: SmbRequest): Promise<Reply> {
  const r = req.reader();
  const cls = r.u8();
  const flags = r.u8();
  r.u32(); // FileIndex
  const open = req.open(readFileId(r));
  const nameOff = r.u16();
  const nameLen = r.u16();
  const outLen = Math.min(r.u32(), MAX_DIR_OUTPUT_BYTES);
  if (!open.isDir) throw new SmbError(S.STATUS_INVALID_PARAMETER, "not a directory");
  if (!(open.grantedAccess & C.FILE_LIST_DIRECTORY)) throw new SmbError(S.STATUS_ACCESS_DENIED);
  if (!DIR_INFO_CLASSES[cls]) throw new SmbError(S.STATUS_INVALID_INFO_CLASS);
  const pattern = slice(req.msg, nameOff, nameLen, MAX_PATH_BYTES).toString("utf16le");
  if (!open.dir || flags & (C.SMB2_RESTART_SCANS | C.SMB2_REOPEN)) {
    open.dir = freshEnum(pattern || open.dir?.pattern || "*");
  }
  const e = open.dir;
  const match = compilePattern(e.pattern);
  const single = (flags & C.SMB2_RETURN_SINGLE_ENTRY) !== 0;
  const w = new SmbWriter(Math.min(outLen, 64 * 1024));
  let lastStart = -1;
  let count = 0;
  for (;;) {
    if (e.pending.length === 0) e.pending = await nextItems(req, open, e, match);
    const item = e.pending[0];
    if (!item) break;
    const entry = encodeEntry(
      cls,
      item.name,
      reported(req.server, `${open.tree.share.name}:${item.attr.fileid}`, item.attr),
    );
    const start = (w.length + 7) & ~7;
    if (start + entry.length > outLen) break;
    w.align(8);
    if (lastStart >= 0) w.patchU32(lastStart, start - lastStart);
    lastStart = start;
    w.bytes(entry);
    e.pending.shift();
    count++;
    if (single) break;
  }
  const first = !e.started;
  e.started = true;
  if (count === 0) {
    if (e.pending.length > 0) throw new SmbError(S.STATUS_INFO_LENGTH_MISMATCH);
    throw new SmbError(first ? S.STATUS_NO_SUCH_FILE : S.STATUS_NO_MORE_FILES);
  }
  const data = w.finish();
  const out = new SmbWriter(8);
  out
    .u16(9)
    .u16(C.SMB2_HEADER_SIZE + 8)
    .u32(data.length);
  return { body: out.finish(), data };
}

export const QUERY_DIRECTORY: CommandSpec = {
  name: "QUERY_DIRECTORY",
  structureSize: 33,
  needsSession: true,
  needsTree: true,
  handle: queryDirectory,
};
