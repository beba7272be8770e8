/**
 * The NLM v4 dispatch table, on the file service's locks that SMB and NFSv4 locks share. Owners
 * are `nlm:<caller_name>:<svid>`; the netobj `fh` is the NFS file handle. The asynchronous
 * *_MSG/*_RES variants and SHARE/UNSHARE are not offered (PROC_UNAVAIL): Linux and BSD clients
 * use the synchronous procedures over TCP.
 */
import type { FileService } from "../../../../files/service.ts";
import { NLM_PROGRAM } from "../../rpc/constants.ts";
import { procedureTable, type RpcProgram } from "../../rpc/program.ts";
import type { BlockedLocks } from "../blocked.ts";
import { NLM_V4 } from "../constants.ts";
import { cancelProc } from "./cancel.ts";
import type { NlmEnv } from "./common.ts";
import { freeAllProc } from "./free-all.ts";
import { lockProc } from "./lock.ts";
import { nullProc } from "./null.ts";
import { testProc } from "./test.ts";
import { unlockProc } from "./unlock.ts";

const NLM4_PROCEDURES = [nullProc, testProc, lockProc, cancelProc, unlockProc, freeAllProc] as const;

export function nlmProgram(files: FileService, blocked: BlockedLocks): RpcProgram {
  const env: NlmEnv = { files, blocked };
  const table = procedureTable(NLM4_PROCEDURES.map((make) => make(env)));
  return {
    prog: NLM_PROGRAM,
    name: "nlm",
    lowVersion: NLM_V4,
    highVersion: NLM_V4,
    procedures: (v) => (v === NLM_V4 ? table : undefined),
  };
}
