/** RFC 7530 §16.29 RENEW (v4.0 only): renews the client's lease. */
import { OP_RENEW } from "../constants.ts";
import { defineOp } from "../op.ts";

export const renew = defineOp<bigint>({
  op: OP_RENEW,
  name: "RENEW",
  until: 0,
  decode: (r) => r.uint64(),
  async run(c, clientId) {
    c.env.state.renew(clientId);
    return null;
  },
});
