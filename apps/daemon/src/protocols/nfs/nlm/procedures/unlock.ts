/** NLM v4 NLMPROC4_UNLOCK (XNFS NLM §10.8): releases the owner's range; GRANTED even if not held. */
import { defineProcedure } from "../../rpc/program.ts";
import * as n from "../constants.ts";
import { decodeNetobj, decodeNlm4Lock, type Nlm4Lock, toLockRange } from "../types.ts";
import { checkCaller, encodeRes, type NlmEnv, type NlmRes, nlmStat } from "./common.ts";

export const unlockProc = (env: NlmEnv) =>
  defineProcedure<{ cookie: Buffer; lock: Nlm4Lock }, NlmRes>({
    proc: n.NLMPROC4_UNLOCK,
    name: "UNLOCK",
    mutates: true,
    idempotent: true,
    needsExport: false,
    decode: (r) => ({ cookie: decodeNetobj(r), lock: decodeNlm4Lock(r) }),
    async handle(call, a) {
      try {
        const file = await checkCaller(env, call, a.lock.fh);
        const { kind: _kind, ...range } = toLockRange(a.lock, true, call.remoteAddress);
        env.files.unlock(file, range);
        return { cookie: a.cookie, stat: n.NLM4_GRANTED };
      } catch (e) {
        return { cookie: a.cookie, stat: nlmStat(e) };
      }
    },
    encode: encodeRes,
  });
