/** RFC 8881 §18.7 GETATTR: the requested attributes of the current filehandle (fattr4). */
import { encodeFattr } from "../attrs/encode.ts";
import { OP_GETATTR } from "../constants.ts";
import { defineOp } from "../op.ts";
import { type Bitmap4, decodeBitmap } from "../types.ts";

export const getattr = defineOp<Bitmap4>({
  op: OP_GETATTR,
  name: "GETATTR",
  decode: decodeBitmap,
  async run(c, requested) {
    const src = await c.attrSource(c.fh(), requested);
    return (w) => encodeFattr(w, requested, src);
  },
});
