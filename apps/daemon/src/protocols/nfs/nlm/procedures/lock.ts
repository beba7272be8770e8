/**
 * NLM v4 NLMPROC4_LOCK (XNFS NLM §10.6). Granted at once when free; with block = TRUE a conflict
 * answers BLOCKED and the request waits on the file service's locks (nlm/blocked.ts) until granted (then a
 * GRANTED callback) or cancelled. A retried LOCK of a waiting request stays BLOCKED.
 */
import { isFsError } from "../../../../domain/errors.ts";
import { type CallContext, defineProcedure } from "../../rpc/program.ts";
import * as n from "../constants.ts";
import { decodeNetobj, decodeNlm4Lock, type Nlm4Lock, toLockRange } from "../types.ts";
import { checkCaller, encodeRes, type NlmEnv, type NlmRes, nlmStat } from "./common.ts";

interface LockArgs {
  cookie: Buffer;
  block: boolean;
  exclusive: boolean;
  lock: Nlm4Lock;
  reclaim: boolean;
  state: number;
}

async function doLock(env: NlmEnv, call: CallContext, a: LockArgs): Promise<NlmRes> {
  const { files, blocked } = env;
  const host = call.remoteAddress;
  const cookie = a.cookie;
  try {
    const file = await checkCaller(env, call, a.lock.fh, { exclusive: a.exclusive });
    const range = toLockRange(a.lock, a.exclusive, host);
    if (blocked.isWaiting(a.lock.fh, range)) return { cookie, stat: n.NLM4_BLOCKED };
    try {
      // A new lock in a grace period: DENIED_GRACE_PERIOD (EGRACE), a reclaim is taken.
      await files.lock(file, { ...range, reclaim: a.reclaim });
      return { cookie, stat: n.NLM4_GRANTED };
    } catch (e) {
      if (!a.block || !isFsError(e, "EAGAIN")) throw e;
    }
    // The request outlives this call: copy what points into the record.
    const lock = { ...a.lock, fh: Buffer.from(a.lock.fh), oh: Buffer.from(a.lock.oh) };
    const held = { ...file, handle: lock.fh };
    const ok = blocked.start({
      lock,
      file: held,
      exclusive: a.exclusive,
      cookie: Buffer.from(cookie),
      range,
      host,
    });
    return { cookie, stat: ok ? n.NLM4_BLOCKED : n.NLM4_DENIED_NOLOCKS };
  } catch (e) {
    return { cookie, stat: nlmStat(e) };
  }
}

export const lockProc = (env: NlmEnv) =>
  defineProcedure<LockArgs, NlmRes>({
    proc: n.NLMPROC4_LOCK,
    name: "LOCK",
    mutates: true,
    idempotent: true,
    needsExport: false,
    decode: (r) => ({
      cookie: decodeNetobj(r),
      block: r.bool(),
      exclusive: r.bool(),
      lock: decodeNlm4Lock(r),
      reclaim: r.bool(),
      state: r.int32(),
    }),
    handle: (call, a) => doLock(env, call, a),
    encode: encodeRes,
  });
