/** RFC 8881 §18.3 COMMIT: every acknowledged write of the current file is durable on return. */
import { NFS4ERR_INVAL, OP_COMMIT } from "../constants.ts";
import { defineOp } from "../op.ts";

export const commit = defineOp<{ offset: bigint; count: number }>({
  op: OP_COMMIT,
  name: "COMMIT",
  decode: (r) => ({ offset: r.uint64(), count: r.uint32() }),
  async run(c) {
    await c.env.files.commit(c.file(false, c.fh(), NFS4ERR_INVAL));
    const verifier = c.env.writeVerifier;
    return (w) => w.fixedOpaque(verifier);
  },
});
