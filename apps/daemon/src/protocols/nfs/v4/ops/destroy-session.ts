/** RFC 8881 §18.37 DESTROY_SESSION: the session and its slot table go; the client stays. */
import { NFS4_SESSIONID_SIZE, OP_DESTROY_SESSION } from "../constants.ts";
import { defineOp } from "../op.ts";

export const destroySession = defineOp<Buffer>({
  op: OP_DESTROY_SESSION,
  name: "DESTROY_SESSION",
  since: 1,
  decode: (r) => r.fixedOpaque(NFS4_SESSIONID_SIZE),
  async run(c, id) {
    c.env.state.destroySession(id);
    return null;
  },
});
