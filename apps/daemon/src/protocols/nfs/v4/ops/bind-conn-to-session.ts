/**
 * RFC 8881 §18.34 BIND_CONN_TO_SESSION: associates this connection with a session. Every
 * connection may carry fore-channel requests of any session here, so binding is acknowledged;
 * the back channel is never bound (no callbacks are sent), so the answer is the fore channel.
 */
import { CDFS4_FORE, NFS4_SESSIONID_SIZE, OP_BIND_CONN_TO_SESSION } from "../constants.ts";
import { defineOp } from "../op.ts";
import { decodeEnum } from "../types.ts";

interface BindArgs {
  sessionId: Buffer;
  dir: number;
}

/** channel_dir_from_client4: FORE, BACK, FORE_OR_BOTH, BACK_OR_BOTH. */
const DIRS = [1, 2, 3, 7];

export const bindConnToSession = defineOp<BindArgs>({
  op: OP_BIND_CONN_TO_SESSION,
  name: "BIND_CONN_TO_SESSION",
  since: 1,
  decode(r) {
    const a = { sessionId: r.fixedOpaque(NFS4_SESSIONID_SIZE), dir: decodeEnum(r, DIRS, "channel_dir") };
    r.bool();
    return a;
  },
  async run(c, a) {
    const s = c.env.state.session(a.sessionId);
    return (w) => w.fixedOpaque(s.id).uint32(CDFS4_FORE).bool(false);
  },
});
