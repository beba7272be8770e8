/** RFC 1813 §3.3.9 MKDIR. */
import type { MutationResult, SetAttrs } from "../../../../metadata/types.ts";
import { NFSPROC3_MKDIR } from "../constants.ts";
import { defineNfsProcedure, fileOf, type NfsEnv } from "../procedure.ts";
import { type DirOpArgs, decodeDirOpArgs, decodeSattr, encodeCreated } from "../types.ts";

const DIR = { type: "dir" } as const;

export const mkdir = (env: NfsEnv) =>
  defineNfsProcedure<{ where: DirOpArgs; attrs: SetAttrs }, MutationResult>({
    proc: NFSPROC3_MKDIR,
    name: "MKDIR",
    mutates: true,
    idempotent: false,
    needsExport: true,
    fh: (a) => a.where.dir,
    decode: (r) => ({ where: decodeDirOpArgs(r), attrs: decodeSattr(r) }),
    handle: (_call, a, dir) => env.files.make(fileOf(dir), a.where.name, a.attrs, DIR),
    encode: encodeCreated,
    resfail: (a) => [{ wcc: a.where.dir }],
  });
