/** RFC 8881 §18.27 SAVEFH: the current filehandle (and stateid) become the saved ones. */
import { OP_SAVEFH } from "../constants.ts";
import { defineOp, NO_ARGS } from "../op.ts";

export const savefh = defineOp<undefined>({
  op: OP_SAVEFH,
  name: "SAVEFH",
  decode: NO_ARGS,
  async run(c) {
    c.save();
    return null;
  },
});
