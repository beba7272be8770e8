/** RFC 1813 Appendix I MOUNTPROC3_DUMP: the mount list (ml_hostname, ml_directory, ml_next). */
import { defineProcedure } from "../../rpc/program.ts";
import { MOUNTPROC3_DUMP } from "../constants.ts";
import { type MountEnv, noArgs } from "./env.ts";

export const dumpProc = ({ mounts }: MountEnv) =>
  defineProcedure<null, null>({
    proc: MOUNTPROC3_DUMP,
    name: "DUMP",
    mutates: false,
    idempotent: true,
    needsExport: false,
    decode: noArgs,
    handle: async () => null,
    encode(w) {
      for (const e of mounts.list()) w.bool(true).string(e.host).string(e.path);
      w.bool(false);
    },
  });
