/** What NLM procedures share: the environment, nlm4_res encoding and errno → nlm4_stats. */
import { isFsError } from "../../../../domain/errors.ts";
import type { LockRange, MetadataService } from "../../../../metadata/types.ts";
import type { XdrWriter } from "../../xdr/writer.ts";
import type { BlockedLocks } from "../blocked.ts";
import * as n from "../constants.ts";
import { NlmRangeError } from "../types.ts";

export interface NlmEnv {
  metadata: MetadataService;
  blocked: BlockedLocks;
}

export interface NlmRes {
  cookie: Buffer;
  stat: number;
  holder?: LockRange;
}

/** A handle whose share is not exported over NFS is stale to NLM. */
export class NotExportedError extends Error {}

const FS_TO_NLM: Record<string, number> = {
  EAGAIN: n.NLM4_DENIED,
  ESTALE: n.NLM4_STALE_FH,
  EBADHANDLE: n.NLM4_STALE_FH,
  EROFS: n.NLM4_ROFS,
  EDEADLK: n.NLM4_DEADLCK,
  EFBIG: n.NLM4_FBIG,
  EINVAL: n.NLM4_FAILED,
};

/** nlm4_stats for an expected error; rethrows anything else (→ SYSTEM_ERR). */
export function nlmStat(e: unknown): number {
  if (e instanceof NlmRangeError) return n.NLM4_FBIG;
  if (e instanceof NotExportedError) return n.NLM4_STALE_FH;
  if (isFsError(e)) return FS_TO_NLM[e.code] ?? n.NLM4_FAILED;
  throw e;
}

/** nlm4_res: cookie + stat. */
export function encodeRes(w: XdrWriter, r: NlmRes): void {
  w.opaque(r.cookie).uint32(r.stat);
}

/** The share must exist and be exported over NFS; read-only shares still allow locks. */
export function checkHandle(metadata: MetadataService, fh: Buffer): void {
  if (!metadata.shareOf(fh).protocols.nfs) throw new NotExportedError("not exported over NFS");
}
