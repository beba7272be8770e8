/** RFC 1813 §3.3.10 SYMLINK: symlinkdata3 { symlink_attributes, symlink_data }. */
import type { MutationResult, SetAttrs } from "../../../../metadata/types.ts";
import { MAX_PATH_WIRE_BYTES, NFSPROC3_SYMLINK } from "../constants.ts";
import { defineNfsProcedure, fileOf, type NfsEnv } from "../procedure.ts";
import { type DirOpArgs, decodeDirOpArgs, decodeSattr, encodeCreated } from "../types.ts";

export const symlink = (env: NfsEnv) =>
  defineNfsProcedure<{ where: DirOpArgs; attrs: SetAttrs; target: string }, MutationResult>({
    proc: NFSPROC3_SYMLINK,
    name: "SYMLINK",
    mutates: true,
    idempotent: false,
    needsExport: true,
    fh: (a) => a.where.dir,
    decode: (r) => ({
      where: decodeDirOpArgs(r),
      attrs: decodeSattr(r),
      target: r.string(MAX_PATH_WIRE_BYTES),
    }),
    handle: (_call, a, dir) =>
      env.files.make(fileOf(dir), a.where.name, a.attrs, { type: "symlink", target: a.target }),
    encode: encodeCreated,
    resfail: (a) => [{ wcc: a.where.dir }],
  });
