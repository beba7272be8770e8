/**
 * RFC 8881 §18.23 READDIR: entries of the current directory after `cookie`, each with the
 * requested attributes, as many as fit `maxcount` (TOOSMALL if not even one does). No "." or
 * ".." (§18.23.4); cookies 1 and 2 stay unused, the file service's entry cookies start at 3. The
 * cookie verifier is the directory generation the file service reports. Pseudo directories list
 * their children (pseudo directories and share roots).
 */
import type { FileAttr } from "../../../../metadata/types.ts";
import { XdrWriter } from "../../xdr/writer.ts";
import { encodeFattr } from "../attrs/encode.ts";
import { NFS4_VERIFIER_SIZE, NFS4ERR_TOOSMALL, OP_READDIR } from "../constants.ts";
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
    const max = Math.min(ENTRIES_MAX, Math.max(1, Math.floor(a.maxcount / ENTRY_MIN_BYTES)));
    let list: { entries: Entry[]; eof: boolean };
    let verifier: Buffer = NO_VERIFIER;
    if (c.isPseudo()) list = await pseudoEntries(c, a.cookie);
    else {
      const cookie = a.cookie < FIRST_ENTRY_COOKIE ? 0n : a.cookie;
      const page = await c.env.files.readdir(c.file(), { cookie, verifier: a.verifier, max: max + 2 });
      verifier = page.result.verifier;
      const entries = page.result.entries.filter((e) => e.name !== "." && e.name !== "..");
      list = { entries, eof: page.result.eof };
    }
    const body = new XdrWriter();
    let used = RESOK_BYTES;
    let n = 0;
    for (const e of list.entries) {
      const one = new XdrWriter();
      const src = await c.attrSource(e.handle, a.requested, e.attr);
      one.bool(true).uint64(e.cookie).string(e.name);
      encodeFattr(one, a.requested, src);
      if (used + one.length > a.maxcount) break;
      used += one.length;
      body.appendBuffers(one.buffers());
      n++;
    }
    if (n === 0 && list.entries.length > 0) throw new Nfs4Error(NFS4ERR_TOOSMALL);
    const eof = list.eof && n === list.entries.length;
    const v = verifier.length === NFS4_VERIFIER_SIZE ? verifier : NO_VERIFIER;
    return (w) => {
      w.fixedOpaque(v);
      w.appendBuffers(body.buffers());
      w.bool(false).bool(eof);
    };
  },
});
