/**
 * RFC 8881 §18.16 OPEN (RFC 7530 §16.16 for v4.0): opens — and with OPEN4_CREATE creates — a
 * regular file by name (CLAIM_NULL) or by the current filehandle (CLAIM_FH, v4.1), records an
 * open stateid for the open-owner and makes the file the current filehandle. No delegations are
 * granted and no OPEN_CONFIRM is asked for. Reclaims (CLAIM_PREVIOUS) are taken only in the grace
 * period (RFC 8881 §8.4.2, state/grace.ts: NO_GRACE after it, RECLAIM_BAD from an unknown client)
 * and new opens only after it (GRACE); delegation claims BAD_STATEID, as no delegation was ever
 * handed out. Past the file service's open-file limit an OPEN fails as a shortage of server
 * resources: RESOURCE in v4.0 (RFC 7530 §13, NFS4ERR_RESOURCE); v4.1 answers DELAY (RFC 8881
 * §15.1.1.3: the client retries, and other opens close meanwhile), as Linux nfsd answers a stateid
 * it cannot allocate (nfserr_jukebox) and never sends RESOURCE over a session.
 */
import { isFsError } from "../../../../domain/errors.ts";
import type { CreateHow, FileAttr, Timespec } from "../../../../metadata/types.ts";
import { ACCESS_MODIFY, ACCESS_READ } from "../../../../metadata/types.ts";
import { XdrError, type XdrReader } from "../../xdr/reader.ts";
import { decodeRawFattr, EMPTY_FATTR, parseFattr, type RawFattr } from "../attrs/decode.ts";
import * as k from "../constants.ts";
import { type Compound, defineOp } from "../op.ts";
import { openOwnerKey } from "../state/owner-seqids.ts";
import { Nfs4Error } from "../status.ts";
import {
  type Bitmap4,
  checkName,
  decodeComponent,
  decodeEnum,
  decodeStateid,
  encodeBitmap,
  encodeChangeInfo,
  encodeStateid,
} from "../types.ts";

interface OpenArgs {
  seqid: number;
  access: number;
  deny: number;
  clientId: bigint;
  owner: Buffer;
  create: { mode: number; attrs: RawFattr; verifier?: Buffer } | null;
  claim: number;
  name?: Buffer;
}

function decodeCreate(r: XdrReader): OpenArgs["create"] {
  const mode = decodeEnum(r, [k.UNCHECKED4, k.GUARDED4, k.EXCLUSIVE4, k.EXCLUSIVE4_1], "createmode4");
  if (mode === k.EXCLUSIVE4)
    return { mode, attrs: EMPTY_FATTR, verifier: r.fixedOpaque(k.NFS4_VERIFIER_SIZE) };
  if (mode === k.EXCLUSIVE4_1) {
    const verifier = r.fixedOpaque(k.NFS4_VERIFIER_SIZE);
    return { mode, verifier, attrs: decodeRawFattr(r) };
  }
  return { mode, attrs: decodeRawFattr(r) };
}

function decodeClaim(r: XdrReader): { claim: number; name?: Buffer } {
  const claim = r.uint32();
  switch (claim) {
    case k.CLAIM_NULL:
    case k.CLAIM_DELEGATE_PREV:
      return { claim, name: decodeComponent(r) };
    case k.CLAIM_PREVIOUS:
      r.uint32();
      return { claim };
    case k.CLAIM_DELEGATE_CUR:
      decodeStateid(r);
      return { claim, name: decodeComponent(r) };
    case k.CLAIM_DELEG_CUR_FH:
      decodeStateid(r);
      return { claim };
    case k.CLAIM_FH:
    case k.CLAIM_DELEG_PREV_FH:
      return { claim };
    default:
      throw new XdrError(`bad open_claim_type4 ${claim}`);
  }
}

interface Opened {
  handle: Buffer;
  attr: FileAttr;
  before: Timespec;
  after: Timespec;
  set: Bitmap4;
  created: boolean;
}

function createHow(create: NonNullable<OpenArgs["create"]>): CreateHow {
  if (create.mode === k.UNCHECKED4) return { mode: "unchecked" };
  if (create.mode === k.GUARDED4) return { mode: "guarded" };
  return { mode: "exclusive", verifier: create.verifier! };
}

/** CLAIM_NULL: `name` in the current directory, created when asked. */
async function byName(c: Compound, a: OpenArgs): Promise<Opened> {
  const name = checkName(a.name!);
  if (c.isPseudo()) {
    if (a.create !== null) throw new Nfs4Error(k.NFS4ERR_ROFS);
    throw new Nfs4Error(c.pseudoNode().children.has(name) ? k.NFS4ERR_ISDIR : k.NFS4ERR_NOENT);
  }
  const { files, owners } = c.env;
  if (a.create !== null) {
    const { attrs, set } = parseFattr(a.create.attrs, owners);
    const r = await files.create(c.file(true), name, attrs, createHow(a.create));
    const b = r.dirBefore.ctime;
    const created = b.sec !== r.dirAfter.ctime.sec || b.nsec !== r.dirAfter.ctime.nsec;
    return {
      handle: r.handle,
      attr: r.attr,
      before: r.dirBefore.ctime,
      after: r.dirAfter.ctime,
      set,
      created,
    };
  }
  const r = await files.lookup(c.file(), name);
  return {
    handle: r.handle,
    attr: r.attr,
    before: r.dirAttr.ctime,
    after: r.dirAttr.ctime,
    set: [],
    created: false,
  };
}

async function byClaim(c: Compound, a: OpenArgs): Promise<Opened> {
  switch (a.claim) {
    case k.CLAIM_NULL:
      return byName(c, a);
    case k.CLAIM_PREVIOUS:
    case k.CLAIM_FH: {
      // CLAIM_PREVIOUS (a reclaim in the grace period, checked by run) names the current file too.
      if (a.claim === k.CLAIM_FH && c.minor < 1) throw new Nfs4Error(k.NFS4ERR_NOTSUPP, "CLAIM_FH is v4.1");
      if (a.create !== null) throw new Nfs4Error(k.NFS4ERR_INVAL, "open by filehandle with OPEN4_CREATE");
      const handle = c.fh();
      const attr = await c.env.files.getattr(c.file(false, handle, k.NFS4ERR_ISDIR));
      return { handle, attr, before: attr.ctime, after: attr.ctime, set: [], created: false };
    }
    case k.CLAIM_DELEGATE_PREV:
    case k.CLAIM_DELEG_PREV_FH:
      throw new Nfs4Error(k.NFS4ERR_NO_GRACE);
    default:
      throw new Nfs4Error(k.NFS4ERR_BAD_STATEID, "no delegation was granted");
  }
}

/** RFC 8881 §18.16.3: only regular files open; the rights asked must be granted on an existing file. */
async function checkOpenable(c: Compound, o: Opened, access: number): Promise<void> {
  if (o.attr.type === "dir") throw new Nfs4Error(k.NFS4ERR_ISDIR);
  if (o.attr.type === "symlink") throw new Nfs4Error(k.NFS4ERR_SYMLINK);
  if (o.attr.type !== "file") throw new Nfs4Error(c.minor >= 1 ? k.NFS4ERR_WRONG_TYPE : k.NFS4ERR_INVAL);
  if (o.created) return;
  const want =
    (access & k.OPEN4_SHARE_ACCESS_READ ? ACCESS_READ : 0) |
    (access & k.OPEN4_SHARE_ACCESS_WRITE ? ACCESS_MODIFY : 0);
  const f = c.file((access & k.OPEN4_SHARE_ACCESS_WRITE) !== 0, o.handle);
  const { granted } = await c.env.files.access(f, want);
  if ((granted & want) !== want) throw new Nfs4Error(k.NFS4ERR_ACCESS);
}

export const open = defineOp<OpenArgs>({
  op: k.OP_OPEN,
  name: "OPEN",
  decode(r) {
    const seqid = r.uint32();
    const access = r.uint32();
    const deny = r.uint32();
    const clientId = r.uint64();
    const owner = r.opaque(k.NFS4_OPAQUE_LIMIT);
    const opentype = decodeEnum(r, [k.OPEN4_NOCREATE, k.OPEN4_CREATE], "opentype4");
    const create = opentype === k.OPEN4_CREATE ? decodeCreate(r) : null;
    return { seqid, access, deny, clientId, owner, create, ...decodeClaim(r) };
  },
  seqid: (_c, a) => ({ key: openOwnerKey(a.clientId, a.owner.toString("hex")), seqid: a.seqid, other: null }),
  async run(c, a) {
    const access = a.access & k.OPEN4_SHARE_ACCESS_MASK;
    if (access < 1 || access > k.OPEN4_SHARE_ACCESS_BOTH || a.deny > 3) throw new Nfs4Error(k.NFS4ERR_INVAL);
    const { state } = c.env;
    const client = c.session !== null ? c.session.client : state.renew(a.clientId);
    const clientId = client.clientId;
    // RFC 8881 §8.4.2: reclaims only in the grace period, by clients recorded before it
    // (state/grace.ts). A new open meanwhile passes the file service's grace rule (files/locks.ts:
    // GRACE if it denies reading or writing), before a create so a refused OPEN creates nothing.
    await c.env.locking.ready;
    const reclaim = a.claim === k.CLAIM_PREVIOUS;
    if (reclaim) c.env.locking.checkReclaim(client);
    else if (a.create !== null) c.env.files.checkReserveGrace({ access, deny: a.deny });
    const o = await byClaim(c, a);
    await checkOpenable(c, o, access);
    const ownerHex = a.owner.toString("hex");
    // The share reservation SMB share modes see (SHARE_DENIED on conflict), before the stateid.
    state.stateids.checkRoom(clientId, ownerHex, Buffer.from(o.handle), client.address);
    c.env.locking.reserveOpen(c.file(false, o.handle), clientId, ownerHex, { access, deny: a.deny }, reclaim);
    const st = state.stateids.open(clientId, ownerHex, Buffer.from(o.handle), access, a.deny, client.address);
    try {
      c.env.locking.holdOpen(c.file(false, o.handle), st);
    } catch (e) {
      if (!isFsError(e) || e.code !== "ENOSPC") throw e;
      throw new Nfs4Error(c.minor === 0 ? k.NFS4ERR_RESOURCE : k.NFS4ERR_DELAY, e.message);
    }
    const stateid = { seqid: st.seqid, other: st.other };
    c.setFh(o.handle);
    c.currentStateid = stateid;
    return (w) => {
      encodeStateid(w, stateid);
      encodeChangeInfo(w, o.before, o.after);
      w.uint32(k.OPEN4_RESULT_LOCKTYPE_POSIX);
      encodeBitmap(w, o.set);
      w.uint32(k.OPEN_DELEGATE_NONE);
    };
  },
});
