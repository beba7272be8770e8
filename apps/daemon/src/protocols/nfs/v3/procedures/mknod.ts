/**
 * RFC 1813 §3.3.11 MKNOD: character/block devices carry specdata3, sockets and FIFOs only
 * attributes; regular files, directories and symlinks are NFS3ERR_BADTYPE. Special files are
 * metadata only.
 */
import type { MutationResult, SetAttrs } from "../../../../metadata/types.ts";
import { NfsStatusError } from "../../status.ts";
import { NF3BLK, NF3CHR, NF3FIFO, NF3SOCK, NFS3ERR_BADTYPE, NFSPROC3_MKNOD } from "../constants.ts";
import { defineNfsProcedure, fileOf, type NfsEnv } from "../procedure.ts";
import { type DirOpArgs, decodeDirOpArgs, decodeSattr, encodeCreated } from "../types.ts";

type NodeType = "chr" | "blk" | "sock" | "fifo";

interface Args {
  where: DirOpArgs;
  /** null for a type MKNOD cannot create (answered BADTYPE). */
  type: NodeType | null;
  attrs: SetAttrs;
  rdev: { major: number; minor: number };
}

const TYPES: Record<number, NodeType> = {
  [NF3CHR]: "chr",
  [NF3BLK]: "blk",
  [NF3SOCK]: "sock",
  [NF3FIFO]: "fifo",
};

export const mknod = (env: NfsEnv) =>
  defineNfsProcedure<Args, MutationResult>({
    proc: NFSPROC3_MKNOD,
    name: "MKNOD",
    mutates: true,
    idempotent: false,
    needsExport: true,
    fh: (a) => a.where.dir,
    decode(r) {
      const where = decodeDirOpArgs(r);
      const ftype = r.uint32();
      const type = TYPES[ftype] ?? null;
      if (type === "chr" || type === "blk") {
        const attrs = decodeSattr(r);
        return { where, type, attrs, rdev: { major: r.uint32(), minor: r.uint32() } };
      }
      if (type === "sock" || type === "fifo")
        return { where, type, attrs: decodeSattr(r), rdev: { major: 0, minor: 0 } };
      return { where, type: null, attrs: {}, rdev: { major: 0, minor: 0 } };
    },
    handle(_call, a, dir) {
      if (a.type === null) throw new NfsStatusError(NFS3ERR_BADTYPE);
      return env.files.make(fileOf(dir), a.where.name, a.attrs, { type: a.type, rdev: a.rdev });
    },
    encode: encodeCreated,
    resfail: (a) => [{ wcc: a.where.dir }],
  });
