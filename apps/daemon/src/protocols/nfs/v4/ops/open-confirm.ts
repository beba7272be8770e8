/**
 * RFC 7530 §16.18 OPEN_CONFIRM (v4.0 only): confirms an open-owner's first OPEN. This server
 * never asks for it (no OPEN4_RESULT_CONFIRM), but a client may still send it: the stateid's
 * seqid advances.
 */
import { OP_OPEN_CONFIRM } from "../constants.ts";
import { defineOp } from "../op.ts";
import { decodeStateid, encodeStateid, type Stateid4 } from "../types.ts";
import { openOf, openSeqid } from "./stateid.ts";

export const openConfirm = defineOp<{ stateid: Stateid4; seqid: number }>({
  op: OP_OPEN_CONFIRM,
  name: "OPEN_CONFIRM",
  until: 0,
  decode: (r) => ({ stateid: decodeStateid(r), seqid: r.uint32() }),
  seqid: (c, a) => openSeqid(c, a.stateid, a.seqid),
  async run(c, a) {
    const st = openOf(c, a.stateid);
    st.seqid = (st.seqid + 1) >>> 0 || 1;
    st.confirmed = true;
    const out = { seqid: st.seqid, other: st.other };
    c.currentStateid = out;
    return (w) => encodeStateid(w, out);
  },
});
