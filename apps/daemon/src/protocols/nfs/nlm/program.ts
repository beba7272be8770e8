/**
 * NLM v4 (XNFS NLM §10–14) on the share's LockManager, which SMB byte-range locks share: TEST,
 * LOCK (blocking with a GRANTED callback), CANCEL, UNLOCK, FREE_ALL. Owners are
 * `nlm:<caller_name>:<svid>`; NFS file handles are the netobj `fh`.
 */
import { isFsError } from "../../../errors.ts";
import type { LockRange, MetadataService } from "../../../metadata/types.ts";
import { NLM_PROGRAM } from "../rpc/constants.ts";
import type { AnyProcedure, RpcProgram } from "../rpc/program.ts";
import { defineProcedure, procedureTable } from "../rpc/program.ts";
import type { XdrWriter } from "../xdr/writer.ts";
import type { BlockedLocks } from "./blocked.ts";
import * as n from "./constants.ts";
import { LM_MAXSTRLEN } from "./constants.ts";
import {
  decodeNetobj,
  decodeNlm4Lock,
  encodeHolder,
  type Nlm4Lock,
  NlmRangeError,
  nlmHostPrefix,
  toLockRange,
} from "./types.ts";

interface Res {
  cookie: Buffer;
  stat: number;
  holder?: LockRange;
}

const FS_TO_NLM: Record<string, number> = {
  EAGAIN: n.NLM4_DENIED,
  ESTALE: n.NLM4_STALE_FH,
  EBADHANDLE: n.NLM4_STALE_FH,
  EROFS: n.NLM4_ROFS,
  EDEADLK: n.NLM4_DEADLCK,
  EFBIG: n.NLM4_FBIG,
  EINVAL: n.NLM4_FAILED,
};

function nlmStat(e: unknown): number {
  if (e instanceof NlmRangeError) return n.NLM4_FBIG;
  if (isFsError(e)) return FS_TO_NLM[e.code] ?? n.NLM4_FAILED;
  throw e;
}

/** nlm4_res: cookie + stat. */
function encodeRes(w: XdrWriter, r: Res): void {
  w.opaque(r.cookie).uint32(r.stat);
}

/** The share must exist and be exported over NFS; read-only shares still allow locks. */
function checkHandle(metadata: MetadataService, fh: Buffer): void {
  const share = metadata.shareOf(fh);
  if (!share.protocols.nfs) throw Object.assign(new Error("not exported"), { nlmStat: n.NLM4_STALE_FH });
}

interface LockArgs {
  cookie: Buffer;
  block: boolean;
  exclusive: boolean;
  lock: Nlm4Lock;
  reclaim: boolean;
  state: number;
}

async function doLock(
  metadata: MetadataService,
  blocked: BlockedLocks,
  host: string,
  a: LockArgs,
): Promise<Res> {
  const cookie = a.cookie;
  try {
    checkHandle(metadata, a.lock.fh);
    const range = toLockRange(a.lock, a.exclusive);
    if (blocked.isWaiting(a.lock.fh, range)) return { cookie, stat: n.NLM4_BLOCKED };
    try {
      await metadata.lock(a.lock.fh, range, false);
      return { cookie, stat: n.NLM4_GRANTED };
    } catch (e) {
      if (!a.block || !isFsError(e, "EAGAIN")) throw e;
    }
    const lock = { ...a.lock, fh: Buffer.from(a.lock.fh), oh: Buffer.from(a.lock.oh) };
    const ok = blocked.start({ lock, exclusive: a.exclusive, cookie: Buffer.from(cookie), range, host });
    return { cookie, stat: ok ? n.NLM4_BLOCKED : n.NLM4_DENIED_NOLOCKS };
  } catch (e) {
    return { cookie, stat: (e as { nlmStat?: number }).nlmStat ?? nlmStat(e) };
  }
}

function spec<A>(
  proc: number,
  name: string,
  mutates: boolean,
  decode: AnyProcedure["decode"],
  handle: (call: Parameters<AnyProcedure["handle"]>[0], a: A) => Promise<Res>,
): AnyProcedure {
  return defineProcedure<A, Res>({
    proc,
    name,
    mutates,
    idempotent: true,
    needsExport: false,
    decode,
    handle,
    encode: encodeRes,
  });
}

export function nlmProgram(metadata: MetadataService, blocked: BlockedLocks): RpcProgram {
  const procs: AnyProcedure[] = [
    defineProcedure<null, null>({
      proc: n.NLMPROC4_NULL,
      name: "NULL",
      mutates: false,
      idempotent: true,
      needsExport: false,
      decode: () => null,
      handle: async () => null,
      encode: () => {},
    }),
    defineProcedure<{ cookie: Buffer; exclusive: boolean; lock: Nlm4Lock }, Res>({
      proc: n.NLMPROC4_TEST,
      name: "TEST",
      mutates: false,
      idempotent: true,
      needsExport: false,
      decode: (r) => ({ cookie: decodeNetobj(r), exclusive: r.bool(), lock: decodeNlm4Lock(r) }),
      async handle(_call, a) {
        try {
          checkHandle(metadata, a.lock.fh);
          const holder = metadata.testLock(a.lock.fh, toLockRange(a.lock, a.exclusive));
          return holder
            ? { cookie: a.cookie, stat: n.NLM4_DENIED, holder }
            : { cookie: a.cookie, stat: n.NLM4_GRANTED };
        } catch (e) {
          return { cookie: a.cookie, stat: (e as { nlmStat?: number }).nlmStat ?? nlmStat(e) };
        }
      },
      encode(w, r) {
        encodeRes(w, r);
        if (r.stat === n.NLM4_DENIED && r.holder) encodeHolder(w, r.holder);
      },
    }),
    spec<LockArgs>(
      n.NLMPROC4_LOCK,
      "LOCK",
      true,
      (r) => ({
        cookie: decodeNetobj(r),
        block: r.bool(),
        exclusive: r.bool(),
        lock: decodeNlm4Lock(r),
        reclaim: r.bool(),
        state: r.int32(),
      }),
      (call, a) => doLock(metadata, blocked, call.remoteAddress, a),
    ),
    spec<{ cookie: Buffer; block: boolean; exclusive: boolean; lock: Nlm4Lock }>(
      n.NLMPROC4_CANCEL,
      "CANCEL",
      true,
      (r) => ({ cookie: decodeNetobj(r), block: r.bool(), exclusive: r.bool(), lock: decodeNlm4Lock(r) }),
      async (_call, a) => {
        try {
          const cancelled = blocked.cancel(a.lock.fh, toLockRange(a.lock, a.exclusive));
          return { cookie: a.cookie, stat: cancelled ? n.NLM4_GRANTED : n.NLM4_DENIED };
        } catch (e) {
          return { cookie: a.cookie, stat: nlmStat(e) };
        }
      },
    ),
    spec<{ cookie: Buffer; lock: Nlm4Lock }>(
      n.NLMPROC4_UNLOCK,
      "UNLOCK",
      true,
      (r) => ({ cookie: decodeNetobj(r), lock: decodeNlm4Lock(r) }),
      async (_call, a) => {
        try {
          checkHandle(metadata, a.lock.fh);
          const { kind: _k, ...range } = toLockRange(a.lock, true);
          metadata.unlock(a.lock.fh, range);
          return { cookie: a.cookie, stat: n.NLM4_GRANTED };
        } catch (e) {
          return { cookie: a.cookie, stat: (e as { nlmStat?: number }).nlmStat ?? nlmStat(e) };
        }
      },
    ),
    defineProcedure<{ name: string; state: number }, null>({
      proc: n.NLMPROC4_FREE_ALL,
      name: "FREE_ALL",
      mutates: true,
      idempotent: true,
      needsExport: false,
      decode: (r) => ({ name: r.string(LM_MAXSTRLEN), state: r.int32() }),
      async handle(_call, a) {
        blocked.cancelAll(nlmHostPrefix(a.name));
        metadata.unlockAll(nlmHostPrefix(a.name));
        return null;
      },
      encode: () => {},
    }),
  ];
  const table = procedureTable(procs);
  return {
    prog: NLM_PROGRAM,
    name: "nlm",
    lowVersion: n.NLM_V4,
    highVersion: n.NLM_V4,
    procedures: (v) => (v === n.NLM_V4 ? table : undefined),
  };
}
