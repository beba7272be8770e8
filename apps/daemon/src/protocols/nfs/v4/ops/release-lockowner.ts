/**
 * RFC 7530 §16.37 RELEASE_LOCKOWNER (v4.0 only; v4.1 frees lock stateids with FREE_STATEID):
 * the lock-owner's stateids go; NFS4ERR_LOCKS_HELD while it still holds a lock.
 */
import { OP_RELEASE_LOCKOWNER } from "../constants.ts";
import { defineOp } from "../op.ts";
import type { LockOwner4 } from "../state/locks.ts";
import { decodeLockOwner } from "./lock-args.ts";

export const releaseLockowner = defineOp<LockOwner4>({
  op: OP_RELEASE_LOCKOWNER,
  name: "RELEASE_LOCKOWNER",
  until: 0,
  decode: decodeLockOwner,
  async run(c, owner) {
    c.env.state.renew(owner.clientId);
    c.env.locking.locks.releaseLockOwner(owner);
    return null;
  },
});
