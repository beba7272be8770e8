/**
 * NLM v4 NLMPROC4_TEST (XNFS NLM §10.5): GRANTED, or DENIED with the conflicting nlm4_holder;
 * DENIED_GRACE_PERIOD in a grace period (files/locks.ts).
 */
import { defineProcedure } from "../../rpc/program.ts";
import * as n from "../constants.ts";
import { decodeNetobj, decodeNlm4Lock, encodeHolder, type Nlm4Lock, toLockRange } from "../types.ts";
import { checkCaller, encodeRes, type NlmEnv, type NlmRes, nlmStat } from "./common.ts";

export const testProc = (env: NlmEnv) =>
  defineProcedure<{ cookie: Buffer; exclusive: boolean; lock: Nlm4Lock }, NlmRes>({
    proc: n.NLMPROC4_TEST,
    name: "TEST",
    mutates: false,
    idempotent: true,
    needsExport: false,
    decode: (r) => ({ cookie: decodeNetobj(r), exclusive: r.bool(), lock: decodeNlm4Lock(r) }),
    async handle(call, a) {
      try {
        const file = await checkCaller(env, call, a.lock.fh);
        // As Linux lockd and NFS-Ganesha: no answer while reclaims may still change it.
        if (env.files.inLockGrace()) return { cookie: a.cookie, stat: n.NLM4_DENIED_GRACE_PERIOD };
        const holder = env.files.testLock(file, toLockRange(a.lock, a.exclusive, call.remoteAddress));
        return holder
          ? { cookie: a.cookie, stat: n.NLM4_DENIED, holder }
          : { cookie: a.cookie, stat: n.NLM4_GRANTED };
      } catch (e) {
        return { cookie: a.cookie, stat: nlmStat(e) };
      }
    },
    encode(w, r) {
      encodeRes(w, r);
      if (r.stat === n.NLM4_DENIED && r.holder) encodeHolder(w, r.holder);
    },
  });
