/**
 * RFC 8881 §18.18 OPEN_DOWNGRADE: the open keeps only some of its share access and deny bits;
 * its share reservation (which SMB share modes see) shrinks with it, and the seqid goes up.
 */
import { OP_OPEN_DOWNGRADE } from "../constants.ts";
import { defineOp } from "../op.ts";
import { downgradeOpen } from "../state/open-modes.ts";
import { decodeStateid, encodeStateid, type Stateid4 } from "../types.ts";
import { openOf, openSeqid } from "./stateid.ts";

export const openDowngrade = defineOp<{ stateid: Stateid4; seqid: number; access: number; deny: number }>({
  op: OP_OPEN_DOWNGRADE,
  name: "OPEN_DOWNGRADE",
  decode(r) {
    const stateid = decodeStateid(r);
    return { stateid, seqid: r.uint32(), access: r.uint32(), deny: r.uint32() };
  },
  seqid: (c, a) => openSeqid(c, a.stateid, a.seqid),
  async run(c, a) {
    const st = openOf(c, a.stateid);
    if (c.session === null) c.env.state.renew(st.clientId);
    const f = c.file(false, st.handle);
    const open = { clientId: st.clientId, ownerHex: st.owner };
    const to = downgradeOpen(c.env.files, f, open, st, { access: a.access & 0xff, deny: a.deny });
    st.access = to.access;
    st.deny = to.deny;
    st.seqid = (st.seqid + 1) >>> 0 || 1;
    const out = { seqid: st.seqid, other: st.other };
    c.currentStateid = out;
    return (w) => encodeStateid(w, out);
  },
});
