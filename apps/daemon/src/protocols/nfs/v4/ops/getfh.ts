/** RFC 8881 §18.8 GETFH: the current filehandle. */
import { OP_GETFH } from "../constants.ts";
import { defineOp, NO_ARGS } from "../op.ts";

export const getfh = defineOp<undefined>({
  op: OP_GETFH,
  name: "GETFH",
  decode: NO_ARGS,
  async run(c) {
    const fh = c.fh();
    return (w) => w.opaque(fh);
  },
});
