/**
 * RFC 8881 §18.14 LOOKUPP: the current filehandle becomes its directory's parent. A share's
 * root goes up into the pseudo file system; the pseudo root has no parent (NOENT).
 */
import { FsError } from "../../../../domain/errors.ts";
import { OP_LOOKUPP } from "../constants.ts";
import { defineOp, NO_ARGS } from "../op.ts";
import { shareMount } from "../pseudo.ts";

export const lookupp = defineOp<undefined>({
  op: OP_LOOKUPP,
  name: "LOOKUPP",
  decode: NO_ARGS,
  async run(c) {
    if (c.isPseudo()) {
      const parent = c.pseudoNode().parent;
      if (parent === null) throw new FsError("ENOENT", "the pseudo root has no parent");
      c.setFh(parent.handle);
      return null;
    }
    const f = c.file();
    if (f.handle.equals(c.env.rootHandle(f.share.name))) {
      const m = shareMount(c.pseudoRoot(), f.share.name);
      if (m === null) throw new FsError("ENOENT", "share not in the pseudo file system");
      c.setFh(m.parent.handle);
      return null;
    }
    const attr = await c.env.files.getattr(f);
    if (attr.type !== "dir") throw new FsError("ENOTDIR");
    const found = await c.env.files.lookup(f, "..");
    c.setFh(found.handle);
    return null;
  },
});
