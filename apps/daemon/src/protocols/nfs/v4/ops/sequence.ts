/**
 * RFC 8881 §18.46 SEQUENCE: the first operation of every v4.1 COMPOUND. Finds the session,
 * checks the request against the session's operation count and request size, claims the slot
 * for the sequence id (a retry is answered from the slot's reply cache by the COMPOUND driver),
 * and renews the lease.
 */
import { NFS4_SESSIONID_SIZE, NFS4ERR_REQ_TOO_BIG, NFS4ERR_TOO_MANY_OPS, OP_SEQUENCE } from "../constants.ts";
import { defineOp } from "../op.ts";
import { claimSlot, highestSlot } from "../state/sessions.ts";
import { Nfs4Error } from "../status.ts";

interface SequenceArgs {
  sessionId: Buffer;
  sequenceId: number;
  slotId: number;
  highestSlotId: number;
  cacheThis: boolean;
}

export const sequence = defineOp<SequenceArgs>({
  op: OP_SEQUENCE,
  name: "SEQUENCE",
  since: 1,
  decode: (r) => ({
    sessionId: r.fixedOpaque(NFS4_SESSIONID_SIZE),
    sequenceId: r.uint32(),
    slotId: r.uint32(),
    highestSlotId: r.uint32(),
    cacheThis: r.bool(),
  }),
  async run(c, a) {
    const s = c.env.state.session(a.sessionId);
    // RFC 8881 §2.10.6.4, §18.46.3: limits the session negotiated, checked before the slot is
    // claimed, so a refused request leaves the slot's sequence and cached reply as they were.
    if (c.opCount > s.fore.maxOperations) throw new Nfs4Error(NFS4ERR_TOO_MANY_OPS);
    if (c.requestSize > s.fore.maxRequestSize) throw new Nfs4Error(NFS4ERR_REQ_TOO_BIG);
    const claim = claimSlot(s, a.slotId, a.sequenceId);
    if (claim.kind === "replay") {
      c.replay = claim.reply;
      return null;
    }
    c.session = s;
    c.slot = claim.slot;
    c.cacheThis = a.cacheThis;
    c.env.state.clients.renew(s.client);
    const highest = highestSlot(s);
    return (w) => {
      w.fixedOpaque(s.id).uint32(a.sequenceId).uint32(a.slotId).uint32(highest).uint32(highest).uint32(0);
    };
  },
});
