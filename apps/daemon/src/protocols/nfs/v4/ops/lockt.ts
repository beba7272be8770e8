/**
 * RFC 8881 §18.11 LOCKT: would this lock-owner get the range? OK, or NFS4ERR_DENIED naming the
 * holder (an NLM or SMB holder too). No state is made.
 */
import { NFS4ERR_INVAL, OP_LOCKT } from "../constants.ts";
import { defineOp } from "../op.ts";
import type { LockOwner4, LockRequest4 } from "../state/locks.ts";
import { decodeLockOwner, decodeLockType, decodeRange, deniedError, ownerOf } from "./lock-args.ts";

export const lockt = defineOp<{ range: LockRequest4; owner: LockOwner4 }>({
  op: OP_LOCKT,
  name: "LOCKT",
  decode(r) {
    const range = decodeRange(r, decodeLockType(r));
    return { range, owner: decodeLockOwner(r) };
  },
  async run(c, a) {
    const f = c.file(false, c.fh(), NFS4ERR_INVAL);
    // RFC 7530 §9.6.2, as Linux nfsd: no answer in the grace period (GRACE).
    await c.env.locking.ready;
    c.env.locking.checkNewLock();
    const d = c.env.locking.locks.test(f, ownerOf(c, a.owner), a.range);
    if (d !== null) throw deniedError(d);
    return null;
  },
});
