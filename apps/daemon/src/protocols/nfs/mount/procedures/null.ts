/** RFC 1813 Appendix I MOUNTPROC3_NULL: does nothing, answers nothing. */
import { defineProcedure } from "../../rpc/program.ts";
import { MOUNTPROC3_NULL } from "../constants.ts";
import { type MountEnv, noArgs, noResult } from "./env.ts";

export const nullProc = (_env: MountEnv) =>
  defineProcedure<null, null>({
    proc: MOUNTPROC3_NULL,
    name: "NULL",
    mutates: false,
    idempotent: true,
    needsExport: false,
    decode: noArgs,
    handle: async () => null,
    encode: noResult,
  });
