/**
 * RFC 1813 Appendix I MOUNTPROC3_EXPORT: the shares this caller may mount (mnt.ts mayMount: client
 * list and grant), as exportnode { ex_dir, ex_groups (empty), ex_next }; others stay unnamed.
 */
import { defineProcedure } from "../../rpc/program.ts";
import { MOUNTPROC3_EXPORT } from "../constants.ts";
import { type MountEnv, noArgs } from "./env.ts";
import { mayMount } from "./mnt.ts";

export const exportProc = ({ ctx }: MountEnv) =>
  defineProcedure<null, string[]>({
    proc: MOUNTPROC3_EXPORT,
    name: "EXPORT",
    mutates: false,
    idempotent: true,
    needsExport: false,
    decode: noArgs,
    handle: async (call) => ctx.shares.list().flatMap((s) => (mayMount(ctx, call, s) ? [s.name] : [])),
    encode(w, names) {
      for (const name of names) w.bool(true).string(name).bool(false);
      w.bool(false);
    },
  });
