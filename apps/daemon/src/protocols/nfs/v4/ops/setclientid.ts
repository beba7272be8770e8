/**
 * RFC 7530 §16.33 SETCLIENTID (v4.0 only): a client introduces itself and gets a clientid and a
 * verifier to confirm it with. The callback address is not used (no delegations, no callbacks).
 */
import { NFS4_OPAQUE_LIMIT, NFS4_VERIFIER_SIZE, OP_SETCLIENTID } from "../constants.ts";
import { defineOp } from "../op.ts";

interface SetClientIdArgs {
  verifier: Buffer;
  id: Buffer;
}

/** netaddr4 r_netid / r_addr lengths accepted. */
const NETADDR_MAX = 128;

export const setclientid = defineOp<SetClientIdArgs>({
  op: OP_SETCLIENTID,
  name: "SETCLIENTID",
  until: 0,
  decode(r) {
    const verifier = r.fixedOpaque(NFS4_VERIFIER_SIZE);
    const id = r.opaque(NFS4_OPAQUE_LIMIT);
    r.uint32();
    r.string(NETADDR_MAX);
    r.string(NETADDR_MAX);
    r.uint32();
    return { verifier, id };
  },
  async run(c, a) {
    const principal = `${c.call.auth?.uid ?? "none"}@${c.call.remoteAddress}`;
    const client = c.env.state.setClientId(a.id.toString("hex"), a.verifier, principal);
    return (w) => w.uint64(client.clientId).fixedOpaque(client.confirmVerifier);
  },
});
