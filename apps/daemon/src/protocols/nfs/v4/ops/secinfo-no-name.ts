/**
 * RFC 8881 §18.45 SECINFO_NO_NAME: the security flavors for the current filehandle (or its
 * parent): AUTH_SYS only. Like SECINFO it consumes the current filehandle (§2.6.3.1.1.8).
 */
import { OP_SECINFO_NO_NAME, RPC_AUTH_SYS } from "../constants.ts";
import { defineOp } from "../op.ts";
import { decodeEnum } from "../types.ts";

/** secinfo_style4: SECINFO_STYLE4_CURRENT_FH, SECINFO_STYLE4_PARENT. */
const STYLES = [0, 1];

export const secinfoNoName = defineOp<number>({
  op: OP_SECINFO_NO_NAME,
  name: "SECINFO_NO_NAME",
  since: 1,
  decode: (r) => decodeEnum(r, STYLES, "secinfo_style4"),
  async run(c) {
    c.fh();
    c.cfh = null;
    return (w) => w.uint32(1).uint32(RPC_AUTH_SYS);
  },
});
