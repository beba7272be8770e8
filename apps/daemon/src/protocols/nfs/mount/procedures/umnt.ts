/** RFC 1813 Appendix I MOUNTPROC3_UMNT: forgets the caller's mount of a path (advisory). */
import { defineProcedure } from "../../rpc/program.ts";
import { MNTPATHLEN, MOUNTPROC3_UMNT } from "../constants.ts";
import { type MountEnv, noResult } from "./env.ts";

export const umntProc = ({ mounts }: MountEnv) =>
  defineProcedure<string, null>({
    proc: MOUNTPROC3_UMNT,
    name: "UMNT",
    mutates: false,
    idempotent: true,
    needsExport: false,
    decode: (r) => r.string(MNTPATHLEN),
    handle: async (call, path) => {
      mounts.remove(call.remoteAddress, path);
      return null;
    },
    encode: noResult,
  });
