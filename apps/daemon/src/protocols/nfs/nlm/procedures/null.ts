/** NLM v4 NLMPROC4_NULL. */
import { defineProcedure } from "../../rpc/program.ts";
import { NLMPROC4_NULL } from "../constants.ts";
import type { NlmEnv } from "./common.ts";

export const nullProc = (_env: NlmEnv) =>
  defineProcedure<null, null>({
    proc: NLMPROC4_NULL,
    name: "NULL",
    mutates: false,
    idempotent: true,
    needsExport: false,
    decode: () => null,
    handle: async () => null,
    encode: () => {},
  });
