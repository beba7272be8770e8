/**
 * RFC 8881 §18.19 PUTFH: sets the current filehandle. The handle is checked now (malformed →
 * BADHANDLE, unknown share or pseudo directory → STALE, share not for this caller → ACCESS) so
 * the failure points at this operation.
 */
import { NFS4_FHSIZE, OP_PUTFH } from "../constants.ts";
import { defineOp } from "../op.ts";

export const putfh = defineOp<Buffer>({
  op: OP_PUTFH,
  name: "PUTFH",
  decode: (r) => r.opaque(NFS4_FHSIZE),
  async run(c, fh) {
    if (c.isPseudo(fh)) c.pseudoNode(fh);
    else c.file(false, fh);
    c.setFh(Buffer.from(fh));
    return null;
  },
});
