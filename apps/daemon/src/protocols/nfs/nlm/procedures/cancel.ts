/** NLM v4 NLMPROC4_CANCEL (XNFS NLM §10.7): withdraws a blocked LOCK; DENIED if none waits. */
import { defineProcedure } from "../../rpc/program.ts";
import * as n from "../constants.ts";
import { decodeNetobj, decodeNlm4Lock, type Nlm4Lock, toLockRange } from "../types.ts";
import { encodeRes, type NlmEnv, type NlmRes, nlmStat } from "./common.ts";

export const cancelProc = ({ blocked }: NlmEnv) =>
  defineProcedure<{ cookie: Buffer; block: boolean; exclusive: boolean; lock: Nlm4Lock }, NlmRes>({
    proc: n.NLMPROC4_CANCEL,
    name: "CANCEL",
    mutates: true,
    idempotent: true,
    needsExport: false,
    decode: (r) => ({
      cookie: decodeNetobj(r),
      block: r.bool(),
      exclusive: r.bool(),
      lock: decodeNlm4Lock(r),
    }),
    async handle(call, a) {
      try {
        const cancelled = blocked.cancel(a.lock.fh, toLockRange(a.lock, a.exclusive, call.remoteAddress));
        return { cookie: a.cookie, stat: cancelled ? n.NLM4_GRANTED : n.NLM4_DENIED };
      } catch (e) {
        return { cookie: a.cookie, stat: nlmStat(e) };
      }
    },
    encode: encodeRes,
  });
