/**
 * RFC 8881 §18.25 REMOVE: unlinks `target` from the current directory, a file or an empty
 * directory (the file service's remove or rmdir, by what the name is).
 */
import { OP_REMOVE } from "../constants.ts";
import { defineOp } from "../op.ts";
import { checkName, decodeComponent, encodeChangeInfo } from "../types.ts";

export const remove = defineOp<Buffer>({
  op: OP_REMOVE,
  name: "REMOVE",
  decode: decodeComponent,
  async run(c, raw) {
    const name = checkName(raw);
    const dir = c.file(true);
    const { files } = c.env;
    const target = await files.lookup(dir, name);
    const r = target.attr.type === "dir" ? await files.rmdir(dir, name) : await files.remove(dir, name);
    return (w) => encodeChangeInfo(w, r.dirBefore.ctime, r.dirAfter.ctime);
  },
});
