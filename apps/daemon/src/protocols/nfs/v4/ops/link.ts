/**
 * RFC 8881 §18.9 LINK: a new name `newname` in the current directory for the saved filehandle's
 * file (same share, else XDEV).
 */
import { NFS4ERR_NOFILEHANDLE, NFS4ERR_XDEV, OP_LINK } from "../constants.ts";
import { defineOp } from "../op.ts";
import { Nfs4Error } from "../status.ts";
import { checkName, decodeComponent, encodeChangeInfo } from "../types.ts";

export const link = defineOp<Buffer>({
  op: OP_LINK,
  name: "LINK",
  decode: decodeComponent,
  async run(c, raw) {
    if (c.sfh === null) throw new Nfs4Error(NFS4ERR_NOFILEHANDLE, "no saved filehandle");
    const name = checkName(raw);
    const source = c.file(false, c.sfh);
    const dir = c.file(true);
    if (source.share.name !== dir.share.name) throw new Nfs4Error(NFS4ERR_XDEV);
    const r = await c.env.files.link(dir, { file: source.handle, name });
    return (w) => encodeChangeInfo(w, r.dirBefore.ctime, r.dirAfter.ctime);
  },
});
