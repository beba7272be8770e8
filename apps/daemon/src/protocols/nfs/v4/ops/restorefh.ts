/** RFC 8881 §18.27 RESTOREFH: the saved filehandle (and stateid) become current; none saved → RESTOREFH. */
import { OP_RESTOREFH } from "../constants.ts";
import { defineOp, NO_ARGS } from "../op.ts";

export const restorefh = defineOp<undefined>({
  op: OP_RESTOREFH,
  name: "RESTOREFH",
  decode: NO_ARGS,
  async run(c) {
    c.restore();
    return null;
  },
});
