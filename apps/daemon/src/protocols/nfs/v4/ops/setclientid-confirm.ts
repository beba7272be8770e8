/** RFC 7530 §16.34 SETCLIENTID_CONFIRM (v4.0 only): confirms the clientid SETCLIENTID gave. */
import { NFS4_VERIFIER_SIZE, OP_SETCLIENTID_CONFIRM } from "../constants.ts";
import { defineOp } from "../op.ts";

export const setclientidConfirm = defineOp<{ clientId: bigint; verifier: Buffer }>({
  op: OP_SETCLIENTID_CONFIRM,
  name: "SETCLIENTID_CONFIRM",
  until: 0,
  decode: (r) => ({ clientId: r.uint64(), verifier: r.fixedOpaque(NFS4_VERIFIER_SIZE) }),
  async run(c, a) {
    c.env.state.confirmClientId(a.clientId, a.verifier);
    // Recorded so that it may reclaim after a restart (state/grace.ts).
    await c.env.locking.persist(c.env.state.clients.get(a.clientId));
    return null;
  },
});
