/**
 * RFC 8881 §18.2 CLOSE: ends an open. What was written through it is committed (the file
 * service's close), then the stateid is gone: v4.1 answers the special invalid stateid
 * (§18.2.4), v4.0 the closed stateid with its seqid advanced.
 */
import { OP_CLOSE } from "../constants.ts";
import { defineOp } from "../op.ts";
import { decodeStateid, encodeStateid, type Stateid4 } from "../types.ts";
import { openOf, openSeqid } from "./stateid.ts";

const INVALID_STATEID: Stateid4 = { seqid: 0xffff_ffff, other: Buffer.alloc(12) };

export const close = defineOp<{ seqid: number; stateid: Stateid4 }>({
  op: OP_CLOSE,
  name: "CLOSE",
  decode: (r) => ({ seqid: r.uint32(), stateid: decodeStateid(r) }),
  seqid: (c, a) => openSeqid(c, a.stateid, a.seqid),
  async run(c, a) {
    const st = openOf(c, a.stateid);
    const f = c.file(false, st.handle);
    const retained = c.env.locking.closeOpen(f, st);
    c.env.state.stateids.close(st);
    await c.env.files.close(f, { written: st.written, unlink: () => null, retained });
    const out = c.minor >= 1 ? INVALID_STATEID : { seqid: (st.seqid + 1) >>> 0, other: st.other };
    return (w) => encodeStateid(w, out);
  },
});
