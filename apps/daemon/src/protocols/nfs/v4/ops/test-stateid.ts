/** RFC 8881 §18.48 TEST_STATEID: the status of each stateid, without changing any. */
import { OP_TEST_STATEID, TEST_STATEIDS_MAX } from "../constants.ts";
import { defineOp } from "../op.ts";
import { decodeStateid, type Stateid4 } from "../types.ts";

export const testStateid = defineOp<Stateid4[]>({
  op: OP_TEST_STATEID,
  name: "TEST_STATEID",
  since: 1,
  decode: (r) => r.array(TEST_STATEIDS_MAX, decodeStateid),
  async run(c, ids) {
    const codes = ids.map((s) => c.env.state.stateids.test(s, c.minor));
    return (w) => {
      w.uint32(codes.length);
      for (const code of codes) w.uint32(code);
    };
  },
});
