/** RFC 8881 §18.21 PUTROOTFH: the current filehandle becomes the pseudo file system's root. */
import { OP_PUTROOTFH } from "../constants.ts";
import { defineOp, NO_ARGS } from "../op.ts";

export const putrootfh = defineOp<undefined>({
  op: OP_PUTROOTFH,
  name: "PUTROOTFH",
  decode: NO_ARGS,
  async run(c) {
    c.setFh(c.pseudoRoot().handle);
    return null;
  },
});
