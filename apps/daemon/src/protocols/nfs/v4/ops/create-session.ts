/**
 * RFC 8881 §18.36 CREATE_SESSION: confirms the client (its first one) and makes a session whose
 * fore channel is the client's ask bounded by this server's limits (slots, sizes, operations).
 * No back channel is offered (no delegations, so no callbacks): CONN_BACK_CHAN is never granted.
 * The reply is kept for a retry with the same sequence id (§18.36.4 replay).
 */
import type { XdrReader } from "../../xdr/reader.ts";
import { XdrWriter } from "../../xdr/writer.ts";
import {
  COMPOUND_OPS_MAX,
  CREATE_SESSION4_FLAG_CONN_BACK_CHAN,
  CREATE_SESSION4_FLAG_PERSIST,
  OP_CREATE_SESSION,
} from "../constants.ts";
import { defineOp } from "../op.ts";
import { type ChannelAttrs, negotiateBack, negotiateFore } from "../state/sessions.ts";

interface CreateSessionArgs {
  clientId: bigint;
  sequenceId: number;
  flags: number;
  fore: ChannelAttrs;
  back: ChannelAttrs;
}

/** callback_sec_parms4 entries accepted (AUTH_NONE, AUTH_SYS, RPCSEC_GSS). */
const SEC_PARMS_MAX = 8;
const AUTH_SYS_GIDS_MAX = 16;
const MACHINE_NAME_MAX = 255;
const GSS_HANDLE_MAX = 1024;

/** channel_attrs4; the one rdma_ird a client may send is read and dropped. */
export function decodeChannel(r: XdrReader): ChannelAttrs {
  const ch = {
    headerPadSize: r.uint32(),
    maxRequestSize: r.uint32(),
    maxResponseSize: r.uint32(),
    maxResponseSizeCached: r.uint32(),
    maxOperations: r.uint32(),
    maxRequests: r.uint32(),
  };
  r.array(1, (x) => x.uint32());
  return ch;
}

export function encodeChannel(w: XdrWriter, ch: ChannelAttrs): void {
  w.uint32(ch.headerPadSize).uint32(ch.maxRequestSize).uint32(ch.maxResponseSize);
  w.uint32(ch.maxResponseSizeCached).uint32(ch.maxOperations).uint32(ch.maxRequests).uint32(0);
}

function skipSecParms(r: XdrReader): void {
  const flavor = r.uint32();
  if (flavor === 1) {
    r.uint32();
    r.opaque(MACHINE_NAME_MAX);
    r.uint32();
    r.uint32();
    r.array(AUTH_SYS_GIDS_MAX, (x) => x.uint32());
  } else if (flavor === 6) {
    r.uint32();
    r.opaque(GSS_HANDLE_MAX);
    r.opaque(GSS_HANDLE_MAX);
  }
}

export const createSession = defineOp<CreateSessionArgs>({
  op: OP_CREATE_SESSION,
  name: "CREATE_SESSION",
  since: 1,
  decode(r) {
    const a = {
      clientId: r.uint64(),
      sequenceId: r.uint32(),
      flags: r.uint32(),
      fore: decodeChannel(r),
      back: decodeChannel(r),
    };
    r.uint32(); // csa_cb_program: no callbacks are sent
    r.array(SEC_PARMS_MAX, skipSecParms);
    return a;
  },
  async run(c, a) {
    const { state } = c.env;
    const flags = a.flags & ~(CREATE_SESSION4_FLAG_PERSIST | CREATE_SESSION4_FLAG_CONN_BACK_CHAN);
    const made = state.createSession(a.clientId, a.sequenceId, {
      fore: negotiateFore(a.fore, COMPOUND_OPS_MAX),
      back: negotiateBack(a.back),
      flags,
    });
    if ("replay" in made) {
      const reply = made.replay;
      return (w) => w.appendBuffers([reply]);
    }
    const s = made.session;
    // Recorded so that it may reclaim after a restart (state/grace.ts).
    await c.env.locking.persist(s.client);
    const body = new XdrWriter();
    body.fixedOpaque(s.id).uint32(a.sequenceId).uint32(s.flags);
    encodeChannel(body, s.fore);
    encodeChannel(body, s.back);
    const reply = body.toBuffer();
    state.keepCreateReply(s.client, reply);
    return (w) => w.appendBuffers([reply]);
  },
});
