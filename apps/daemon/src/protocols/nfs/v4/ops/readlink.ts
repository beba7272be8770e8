/** RFC 8881 §18.24 READLINK: the target of the symlink that is the current filehandle. */
import { NFS4ERR_INVAL, OP_READLINK } from "../constants.ts";
import { defineOp, NO_ARGS } from "../op.ts";

export const readlink = defineOp<undefined>({
  op: OP_READLINK,
  name: "READLINK",
  decode: NO_ARGS,
  async run(c) {
    const { target } = await c.env.files.readlink(c.file(false, c.fh(), NFS4ERR_INVAL));
    return (w) => w.string(target);
  },
});
