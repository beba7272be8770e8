/**
 * RFC 8881 §18.30 SETATTR: sets size, mode, owner, group and times through the file service
 * (size checked before anything changes). The result carries the attributes set, also on
 * failure (empty then). A size change with an open stateid checks that stateid.
 */

import { decodeRawFattr, parseFattr, type RawFattr } from "../attrs/decode.ts";
import { NFS4ERR_SERVERFAULT, OP_SETATTR } from "../constants.ts";
import type { Encoder } from "../op.ts";
import { defineOp } from "../op.ts";
import { Nfs4Error, nfs4Status } from "../status.ts";
import { type Bitmap4, decodeStateid, encodeBitmap, type Stateid4 } from "../types.ts";
import { checkStateid } from "./stateid.ts";

interface SetattrArgs {
  stateid: Stateid4;
  attrs: RawFattr;
}

const NOTHING_SET: Encoder = (w) => encodeBitmap(w, []);

export const setattr = defineOp<SetattrArgs>({
  op: OP_SETATTR,
  name: "SETATTR",
  decode: (r) => ({ stateid: decodeStateid(r), attrs: decodeRawFattr(r) }),
  async run(c, a) {
    let set: Bitmap4;
    try {
      const f = c.file(true);
      const parsed = parseFattr(a.attrs, c.env.owners);
      if (parsed.attrs.size !== undefined) checkStateid(c, a.stateid);
      await c.env.files.setattr(f, { attrs: parsed.attrs });
      set = parsed.set;
    } catch (e) {
      const status = nfs4Status(e, "SETATTR");
      if (status === null) throw e;
      throw new Nfs4Error(status === 0 ? NFS4ERR_SERVERFAULT : status, String(e), NOTHING_SET);
    }
    return (w) => encodeBitmap(w, set);
  },
});
