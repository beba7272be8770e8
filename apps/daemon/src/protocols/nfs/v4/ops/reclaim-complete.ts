/**
 * RFC 8881 §18.51 RECLAIM_COMPLETE: the client has reclaimed what it held before a restart.
 * Without a grace period yet, there is nothing to wait for; a second global one is
 * NFS4ERR_COMPLETE_ALREADY.
 */
import { NFS4ERR_COMPLETE_ALREADY, OP_RECLAIM_COMPLETE } from "../constants.ts";
import { defineOp } from "../op.ts";
import { Nfs4Error } from "../status.ts";

export const reclaimComplete = defineOp<boolean>({
  op: OP_RECLAIM_COMPLETE,
  name: "RECLAIM_COMPLETE",
  since: 1,
  decode: (r) => r.bool(),
  async run(c, oneFs) {
    const client = c.session!.client;
    if (oneFs) return null;
    if (client.reclaimComplete) throw new Nfs4Error(NFS4ERR_COMPLETE_ALREADY);
    client.reclaimComplete = true;
    c.env.locking.reclaimComplete(client);
    return null;
  },
});
