/** RFC 1813 Appendix I MOUNTPROC3_UMNTALL: forgets every mount of the caller's host. */
import { defineProcedure } from "../../rpc/program.ts";
import { MOUNTPROC3_UMNTALL } from "../constants.ts";
import { type MountEnv, noArgs, noResult } from "./env.ts";

export const umntallProc = ({ mounts }: MountEnv) =>
  defineProcedure<null, null>({
    proc: MOUNTPROC3_UMNTALL,
    name: "UMNTALL",
    mutates: false,
    idempotent: true,
    needsExport: false,
    decode: noArgs,
    handle: async (call) => {
      mounts.removeHost(call.remoteAddress);
      return null;
    },
    encode: noResult,
  });
