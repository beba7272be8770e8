/**
 * RFC 8881 §18.26 RENAME: moves `oldname` of the saved directory to `newname` of the current
 * one (same share, else XDEV), replacing what is there as POSIX rename does.
 */
import { NFS4ERR_NOFILEHANDLE, NFS4ERR_XDEV, OP_RENAME } from "../constants.ts";
import { defineOp } from "../op.ts";
import { Nfs4Error } from "../status.ts";
import { checkName, decodeComponent, encodeChangeInfo } from "../types.ts";

interface RenameArgs {
  oldName: Buffer;
  newName: Buffer;
}

export const rename = defineOp<RenameArgs>({
  op: OP_RENAME,
  name: "RENAME",
  decode: (r) => ({ oldName: decodeComponent(r), newName: decodeComponent(r) }),
  async run(c, a) {
    if (c.sfh === null) throw new Nfs4Error(NFS4ERR_NOFILEHANDLE, "no saved filehandle");
    const oldName = checkName(a.oldName);
    const newName = checkName(a.newName);
    const from = c.file(true, c.sfh);
    const to = c.file(true);
    if (from.share.name !== to.share.name) throw new Nfs4Error(NFS4ERR_XDEV);
    const r = await c.env.files.rename(from, oldName, to.handle, newName);
    return (w) => {
      encodeChangeInfo(w, r.fromBefore.ctime, r.fromAfter.ctime);
      encodeChangeInfo(w, r.toBefore.ctime, r.toAfter.ctime);
    };
  },
});
