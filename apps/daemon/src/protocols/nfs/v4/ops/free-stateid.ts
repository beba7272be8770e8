/**
 * RFC 8881 §18.38 FREE_STATEID: frees a stateid the client no longer needs. An open stateid
 * still open is NFS4ERR_LOCKS_HELD (it must be CLOSEd); an unknown one BAD_STATEID.
 */
import { NFS4ERR_LOCKS_HELD, OP_FREE_STATEID } from "../constants.ts";
import { defineOp } from "../op.ts";
import { Nfs4Error } from "../status.ts";
import { decodeStateid, type Stateid4 } from "../types.ts";

export const freeStateid = defineOp<Stateid4>({
  op: OP_FREE_STATEID,
  name: "FREE_STATEID",
  since: 1,
  decode: decodeStateid,
  async run(c, s) {
    const { locks } = c.env.locking;
    const key = s.other.toString("hex");
    // A lock stateid goes once it holds no lock (LOCKS_HELD until then).
    if (locks.hasKey(key)) {
      locks.free(locks.find({ seqid: 0, other: s.other }, key));
      return null;
    }
    c.env.state.stateids.find({ seqid: 0, other: s.other }, c.minor, key);
    throw new Nfs4Error(NFS4ERR_LOCKS_HELD, "open stateid: CLOSE it");
  },
});
