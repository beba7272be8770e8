/**
 * RFC 1813 Appendix I MOUNTPROC3_EXPORT: the shares exported over NFS, as exportnode
 * { ex_dir, ex_groups (empty: every host), ex_next }.
 */
import { defineProcedure } from "../../rpc/program.ts";
import { MOUNTPROC3_EXPORT } from "../constants.ts";
import { type MountEnv, noArgs } from "./env.ts";

export const exportProc = ({ ctx }: MountEnv) =>
  defineProcedure<null, null>({
    proc: MOUNTPROC3_EXPORT,
    name: "EXPORT",
    mutates: false,
    idempotent: true,
    needsExport: false,
    decode: noArgs,
    handle: async () => null,
    encode(w) {
      for (const s of ctx.shares.list()) if (s.protocols.nfs) w.bool(true).string(s.name).bool(false);
      w.bool(false);
    },
  });
