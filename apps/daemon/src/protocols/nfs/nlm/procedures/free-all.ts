/**
 * NLM v4 NLMPROC4_FREE_ALL (XNFS NLM §14.4): the client host rebooted; drop every lock and
 * blocked request of `name` taken from the calling host's address.
 */
import { defineProcedure } from "../../rpc/program.ts";
import { LM_MAXSTRLEN, NLMPROC4_FREE_ALL } from "../constants.ts";
import { nlmHostPrefix } from "../types.ts";
import type { NlmEnv } from "./common.ts";

export const freeAllProc = ({ files, blocked }: NlmEnv) =>
  defineProcedure<{ name: string; state: number }, null>({
    proc: NLMPROC4_FREE_ALL,
    name: "FREE_ALL",
    mutates: true,
    idempotent: true,
    needsExport: false,
    decode: (r) => ({ name: r.string(LM_MAXSTRLEN), state: r.int32() }),
    async handle(call, a) {
      // Only the locks this host took (owners carry the peer address: nlm/types.ts nlmOwner).
      blocked.cancelAll(nlmHostPrefix(call.remoteAddress, a.name));
      files.releaseOwner(nlmHostPrefix(call.remoteAddress, a.name));
      return null;
    },
    encode: () => {},
  });
