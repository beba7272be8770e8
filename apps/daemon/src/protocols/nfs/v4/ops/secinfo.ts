/**
 * RFC 8881 §18.29 SECINFO: the security flavors for `name` in the current directory: AUTH_SYS
 * only. The name must exist; v4.1 consumes the current filehandle (§2.6.3.1.1.8).
 */
import { OP_SECINFO, RPC_AUTH_SYS } from "../constants.ts";
import { defineOp } from "../op.ts";
import { checkName, decodeComponent } from "../types.ts";
import { pseudoLookup } from "./lookup.ts";

export const secinfo = defineOp<Buffer>({
  op: OP_SECINFO,
  name: "SECINFO",
  decode: decodeComponent,
  async run(c, raw) {
    const name = checkName(raw);
    if (c.isPseudo()) pseudoLookup(c, name);
    else await c.env.files.lookup(c.file(), name);
    if (c.minor >= 1) c.cfh = null;
    return (w) => w.uint32(1).uint32(RPC_AUTH_SYS);
  },
});
