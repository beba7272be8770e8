/** RFC 8881 §18.12 LOCKU: releases the lock-owner's range; the lock stateid's seqid goes up. */
import { OP_LOCKU } from "../constants.ts";
import { defineOp } from "../op.ts";
import { decodeStateid, encodeStateid, type Stateid4 } from "../types.ts";
import { decodeLockType } from "./lock-args.ts";
import { lockSeqid } from "./stateid.ts";

export const locku = defineOp<{ seqid: number; stateid: Stateid4; offset: bigint; length: bigint }>({
  op: OP_LOCKU,
  name: "LOCKU",
  decode(r) {
    decodeLockType(r);
    return { seqid: r.uint32(), stateid: decodeStateid(r), offset: r.uint64(), length: r.uint64() };
  },
  seqid: (c, a) => lockSeqid(c, a.stateid, a.seqid),
  async run(c, a) {
    const { locks } = c.env.locking;
    const st = locks.find(a.stateid);
    if (c.session === null) c.env.state.renew(st.clientId);
    const out = locks.unlock(st, a.offset, a.length);
    c.currentStateid = out;
    return (w) => encodeStateid(w, out);
  },
});
