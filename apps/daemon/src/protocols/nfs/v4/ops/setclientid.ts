/**
 * RFC 7530 §16.33 SETCLIENTID (v4.0 only): a client introduces itself and gets a clientid and a
 * verifier to confirm it with. The callback address is not used (no delegations, no callbacks).
 */
import { OP_SETCLIENTID } from "../constants.ts";
import { defineOp } from "../op.ts";
import { type ClientOwner4, decodeClientOwner } from "../types.ts";

/** netaddr4 r_netid / r_addr lengths accepted. */
const NETADDR_MAX = 128;

export const setclientid = defineOp<ClientOwner4>({
  op: OP_SETCLIENTID,
  name: "SETCLIENTID",
  until: 0,
  decode(r) {
    const client = decodeClientOwner(r);
    // cb_client4 (program, netid, address) and callback_ident: no callbacks are sent.
    r.uint32();
    r.string(NETADDR_MAX);
    r.string(NETADDR_MAX);
    r.uint32();
    return client;
  },
  async run(c, a) {
    const client = c.env.state.introduce({ ...a, minor: 0 }, c.call);
    return (w) => w.uint64(client.clientId).fixedOpaque(client.confirmVerifier);
  },
});
