/**
 * RFC 8881 §18.23 READDIR: entries of the current directory after `cookie`, each with the
 * requested attributes, as many as fit `maxcount` (TOOSMALL if not even one does) and, past the
 * first, the `dircount` hint, within the session's reply size. No "." or ".." (§18.23.4);
 * cookies 1 and 2 stay unused (BAD_COOKIE when sent), the file service's entry cookies start at
 * 3. The cookie verifier is the one the file service reports for the directory (stable while it
 * lives); a cookie sent with another is NOT_SAME. Pseudo directories list their children
 * (pseudo directories and share roots) under a zero verifier.
 */
import type { FileAttr } from "../../../../metadata/types.ts";
import { XdrWriter } from "../../xdr/writer.ts";
import { encodeFattr } from "../attrs/encode.ts";
import {
  NFS4_VERIFIER_SIZE,
  NFS4ERR_BAD_COOKIE,
  NFS4ERR_NOT_SAME,
  NFS4ERR_TOOSMALL,
  OP_READDIR,
} from "../constants.ts";
import { type Compound, defineOp } from "../op.ts";
import { Nfs4Error } from "../status.ts";
import { type Bitmap4, decodeBitmap } from "../types.ts";

interface ReaddirArgs {
  cookie: bigint;
  verifier: Buffer;
  dircount: number;
  maxcount: number;
  requested: Bitmap4;
}

interface Entry {
  cookie: bigint;
  name: string;
  handle: Buffer;
  attr?: FileAttr;
}

/** Entries asked of the file service per READDIR (a reply holds at most what maxcount allows). */
const ENTRIES_MAX = 1024;
/** The smallest encoded entry (no attributes, a one-byte name): bounds the entries asked for. */
const ENTRY_MIN_BYTES = 32;
/** The smallest dircount share of an entry (a cookie and a name of up to 4 bytes). */
const DIR_ENTRY_MIN_BYTES = 16;
/** resok overhead: cookieverf, the list's end marker, eof. */
const RESOK_BYTES = NFS4_VERIFIER_SIZE + 8;
const NO_VERIFIER = Buffer.alloc(NFS4_VERIFIER_SIZE);
const FIRST_ENTRY_COOKIE = 3n;

async function pseudoEntries(c: Compound, cookie: bigint): Promise<{ entries: Entry[]; eof: boolean }> {
  const children = [...c.pseudoNode().children.entries()];
  const entries: Entry[] = [];
  children.forEach(([name, child], i) => {
    const at = FIRST_ENTRY_COOKIE + BigInt(i);
    if (at <= cookie) return;
    const handle = child.kind === "dir" ? child.node.handle : c.env.rootHandle(child.share.name);
    entries.push({ cookie: at, name, handle });
  });
  return { entries, eof: true };
}

/** RFC 7530 §16.24.4: cookies 1 and 2 are never handed out (they stand for "." and ".."). */
function checkCookie(a: ReaddirArgs, verifier: Buffer): void {
  if (a.cookie === 1n || a.cookie === 2n) throw new Nfs4Error(NFS4ERR_BAD_COOKIE, `cookie ${a.cookie}`);
  // A cookie of this directory comes with the verifier its listing carried (§16.24.4: NOT_SAME).
  if (a.cookie >= FIRST_ENTRY_COOKIE && !a.verifier.equals(verifier)) {
    throw new Nfs4Error(NFS4ERR_NOT_SAME, "cookie verifier");
  }
}

/** dircount's share of an entry (RFC 8881 §18.23.3): its cookie and its name, as XDR. */
function dirBytes(name: string): number {
  return 8 + 4 + ((Buffer.byteLength(name) + 3) & ~3);
}

export const readdir = defineOp<ReaddirArgs>({
  op: OP_READDIR,
  name: "READDIR",
  decode: (r) => ({
    cookie: r.uint64(),
    verifier: r.fixedOpaque(NFS4_VERIFIER_SIZE),
    dircount: r.uint32(),
    maxcount: r.uint32(),
    requested: decodeBitmap(r),
  }),
  async run(c, a) {
    // The whole result stays within maxcount and what the session's reply size leaves.
    const maxcount = Math.min(a.maxcount, c.replyRoom());
    // dircount 0: no hint; else it also bounds the entries (the first one always goes).
    const dircount = a.dircount === 0 ? Number.POSITIVE_INFINITY : a.dircount;
    const fit = Math.min(maxcount / ENTRY_MIN_BYTES, dircount / DIR_ENTRY_MIN_BYTES);
    const max = Math.min(ENTRIES_MAX, Math.max(1, Math.floor(fit)));
    let list: { entries: Entry[]; eof: boolean };
    let verifier: Buffer = NO_VERIFIER;
    if (c.isPseudo()) {
      checkCookie(a, verifier);
      list = await pseudoEntries(c, a.cookie);
    } else {
      const cookie = a.cookie < FIRST_ENTRY_COOKIE ? 0n : a.cookie;
      const page = await c.env.files.readdir(c.file(), { cookie, verifier: a.verifier, max: max + 2 });
      if (page.result.verifier.length === NFS4_VERIFIER_SIZE) verifier = page.result.verifier;
      checkCookie(a, verifier);
      const entries = page.result.entries.filter((e) => e.name !== "." && e.name !== "..");
      list = { entries, eof: page.result.eof };
    }
    const body = new XdrWriter();
    let used = RESOK_BYTES;
    let dirUsed = 0;
    let n = 0;
    for (const e of list.entries) {
      dirUsed += dirBytes(e.name);
      if (n > 0 && dirUsed > dircount) break;
      const one = new XdrWriter();
      const src = await c.attrSource(e.handle, a.requested, e.attr);
      one.bool(true).uint64(e.cookie).string(e.name);
      encodeFattr(one, a.requested, src);
      if (used + one.length > maxcount) break;
      used += one.length;
      body.appendBuffers(one.buffers());
      n++;
    }
    if (n === 0 && list.entries.length > 0) throw new Nfs4Error(NFS4ERR_TOOSMALL);
    const eof = list.eof && n === list.entries.length;
    return (w) => {
      w.fixedOpaque(verifier);
      w.appendBuffers(body.buffers());
      w.bool(false).bool(eof);
    };
  },
});
