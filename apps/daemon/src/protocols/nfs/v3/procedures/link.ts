/** RFC 1813 §3.3.15 LINK: file_attributes (post_op_attr) and linkdir_wcc in both arms. */
import type { LinkResult } from "../../../../files/names.ts";
import { NFSPROC3_LINK } from "../constants.ts";
import { defineNfsProcedure, fileOf, type NfsEnv } from "../procedure.ts";
import { type DirOpArgs, decodeDirOpArgs, decodeFh, encodePostOpAttr, encodeWcc } from "../types.ts";

export const link = (env: NfsEnv) =>
  defineNfsProcedure<{ file: Buffer; link: DirOpArgs }, LinkResult>({
    proc: NFSPROC3_LINK,
    name: "LINK",
    mutates: true,
    idempotent: false,
    needsExport: true,
    fh: (a) => a.link.dir,
    decode: (r) => ({ file: decodeFh(r), link: decodeDirOpArgs(r) }),
    handle: (_call, a, dir) => env.files.link(fileOf(dir), { file: a.file, name: a.link.name }),
    encode(w, r) {
      encodePostOpAttr(w, r.attr);
      encodeWcc(w, r.dirBefore, r.dirAfter);
    },
    resfail: (a) => [{ attr: a.file }, { wcc: a.link.dir }],
  });
