/**
 * RFC 8881 §18.15 LOOKUP: the current filehandle becomes `name` in the current directory. In
 * the pseudo file system a name is a pseudo directory or a share, whose root is then entered
 * (the caller's access to it checked as for any handle of the share).
 */
import { FsError } from "../../../../domain/errors.ts";
import { OP_LOOKUP } from "../constants.ts";
import { type Compound, defineOp } from "../op.ts";
import { checkName, decodeComponent } from "../types.ts";

/** The handle `name` names in the pseudo directory that is the current filehandle. */
export function pseudoLookup(c: Compound, name: string): Buffer {
  const child = c.pseudoNode().children.get(name);
  if (child === undefined) throw new FsError("ENOENT");
  if (child.kind === "dir") return child.node.handle;
  const root = c.env.rootHandle(child.share.name);
  c.file(false, root);
  return root;
}

export const lookup = defineOp<Buffer>({
  op: OP_LOOKUP,
  name: "LOOKUP",
  decode: decodeComponent,
  async run(c, raw) {
    const name = checkName(raw);
    if (c.isPseudo()) {
      c.setFh(pseudoLookup(c, name));
      return null;
    }
    const found = await c.env.files.lookup(c.file(), name);
    c.setFh(found.handle);
    return null;
  },
});
