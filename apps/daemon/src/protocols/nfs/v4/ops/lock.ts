/**
 * RFC 8881 §18.10 LOCK: a byte-range lock for a lock-owner, on the file service's locks that NLM
 * and SMB share. A new lock-owner comes with the open it locks through (open_to_lock_owner4) and
 * gets a lock stateid; an existing one names its lock stateid. A conflict is NFS4ERR_DENIED with
 * the holder. New locks wait out the grace period; reclaims are only allowed in it.
 */
import { OP_LOCK } from "../constants.ts";
import { type Compound, defineOp } from "../op.ts";
import type { LockOwner4, LockRequest4, LockState } from "../state/locks.ts";
import { lockOwnerKey } from "../state/owner-seqids.ts";
import { decodeStateid, encodeStateid, type Stateid4 } from "../types.ts";
import { decodeLockOwner, decodeLockType, decodeRange, deniedError, ownerOf } from "./lock-args.ts";
import { lockSeqid, openOf, openSeqid } from "./stateid.ts";

/** open_to_lock_owner4 / exist_lock_owner4, with the v4.0 seqids (RFC 7530 §16.10). */
type Locker =
  | { kind: "new"; openSeqid: number; openStateid: Stateid4; lockSeqid: number; owner: LockOwner4 }
  | { kind: "exist"; lockStateid: Stateid4; lockSeqid: number };

interface LockArgs {
  range: LockRequest4;
  reclaim: boolean;
  locker: Locker;
}

/** The lock stateid the locker names, and the OPEN4_SHARE_ACCESS bits of its open. */
function lockState(c: Compound, l: Locker): { st: LockState; access: number } {
  const { locking, state } = c.env;
  if (l.kind === "new") {
    const open = openOf(c, l.openStateid);
    const st = locking.locks.forOwner(ownerOf(c, l.owner), c.file(false, open.handle), open.other);
    return { st, access: open.access };
  }
  const st = locking.locks.find(l.lockStateid);
  const open = state.stateids.openOfLock(st.open, c.minor);
  if (c.session === null) state.renew(st.clientId);
  return { st, access: open.access };
}

export const lock = defineOp<LockArgs>({
  op: OP_LOCK,
  name: "LOCK",
  decode(r) {
    const exclusive = decodeLockType(r);
    const reclaim = r.bool();
    const range = decodeRange(r, exclusive);
    let locker: Locker;
    if (r.bool()) {
      const openSeqid = r.uint32();
      const openStateid = decodeStateid(r);
      const lockSeqid = r.uint32();
      locker = { kind: "new", openSeqid, openStateid, lockSeqid, owner: decodeLockOwner(r) };
    } else {
      locker = { kind: "exist", lockStateid: decodeStateid(r), lockSeqid: r.uint32() };
    }
    return { range, reclaim, locker };
  },
  seqid(c, { locker: l }) {
    if (l.kind === "exist") return lockSeqid(c, l.lockStateid, l.lockSeqid);
    // A new lock-owner's sequence starts at lock_seqid; the open-owner's advances.
    const starts = { key: lockOwnerKey(l.owner.clientId, l.owner.owner.toString("hex")), seqid: l.lockSeqid };
    return { ...openSeqid(c, l.openStateid, l.openSeqid), starts };
  },
  async run(c, a) {
    const { locking } = c.env;
    await locking.ready;
    const { st, access } = lockState(c, a.locker);
    const client = c.env.state.clients.get(st.clientId);
    if (a.reclaim) locking.checkReclaim(client);
    else locking.checkNewLock();
    const r = await locking.locks.lock(st, { ...a.range, reclaim: a.reclaim }, access);
    if (!("seqid" in r)) throw deniedError(r);
    c.currentStateid = r;
    return (w) => encodeStateid(w, r);
  },
});
