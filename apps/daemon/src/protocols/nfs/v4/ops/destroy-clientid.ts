/** RFC 8881 §18.50 DESTROY_CLIENTID: a client without sessions gives up its record and state. */
import { OP_DESTROY_CLIENTID } from "../constants.ts";
import { defineOp } from "../op.ts";

export const destroyClientId = defineOp<bigint>({
  op: OP_DESTROY_CLIENTID,
  name: "DESTROY_CLIENTID",
  since: 1,
  decode: (r) => r.uint64(),
  async run(c, clientId) {
    const client = c.env.state.clients.get(clientId);
    c.env.state.destroyClient(clientId);
    // Gone for good: it may not reclaim after a restart either.
    await c.env.locking.forgetRecord(client);
    return null;
  },
});
