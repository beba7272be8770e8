/** What NLM procedures share: the environment, nlm4_res encoding and errno → nlm4_stats. */
import { isFsError } from "../../../../domain/errors.ts";
import type { FileService } from "../../../../files/service.ts";
import type { FileCall } from "../../../../files/types.ts";
import type { LockRange } from "../../../../metadata/lock-types.ts";
import type { CallContext } from "../../rpc/program.ts";
import type { XdrWriter } from "../../xdr/writer.ts";
import type { BlockedLocks } from "../blocked.ts";
import * as n from "../constants.ts";

export interface NlmEnv {
  blocked: BlockedLocks;
  /** Resolves handles with the share's access policy and holds the locks (files/locks.ts). */
  files: FileService;
}

export interface NlmRes {
  cookie: Buffer;
  stat: number;
  holder?: LockRange;
}

const FS_TO_NLM: Record<string, number> = {
  EAGAIN: n.NLM4_DENIED,
  EGRACE: n.NLM4_DENIED_GRACE_PERIOD,
  ESTALE: n.NLM4_STALE_FH,
  EBADHANDLE: n.NLM4_STALE_FH,
  EROFS: n.NLM4_ROFS,
  EDEADLK: n.NLM4_DEADLCK,
  EFBIG: n.NLM4_FBIG,
  EINVAL: n.NLM4_FAILED,
};

/** nlm4_stats for an expected error; rethrows anything else (→ SYSTEM_ERR). */
export function nlmStat(e: unknown): number {
  if (isFsError(e)) return FS_TO_NLM[e.code] ?? n.NLM4_FAILED;
  throw e;
}

/** nlm4_res: cookie + stat. */
export function encodeRes(w: XdrWriter, r: NlmRes): void {
  w.opaque(r.cookie).uint32(r.stat);
}

/**
 * The caller and permission check of every NLM call on a file: the share must exist and be
 * exported over NFS, and its access policy admit this caller from this host (none → FAILED). A
 * LOCK also needs the permission the file service asks of a lock (FileService.checkLockAccess).
 */
export async function checkCaller(
  env: NlmEnv,
  call: CallContext,
  fh: Buffer,
  lock?: { exclusive: boolean },
): Promise<FileCall> {
  const file = env.files.resolve(call.caller, fh, {
    protocol: "nfs",
    peer: { address: call.remoteAddress, uid: call.auth?.uid ?? null },
  });
  if (lock !== undefined) await env.files.checkLockAccess(file, lock.exclusive);
  return file;
}
