/**
 * RFC 8881 §18.32 WRITE: `data` at `offset` of the current file through the file service (range
 * checked before anything changes), with the stability asked for; the reply carries the boot
 * write verifier, so a client resends uncommitted data after a restart.
 */
import type { Stability } from "../../../../payload/types.ts";
import { XdrError } from "../../xdr/reader.ts";
import { DATA_SYNC4, FILE_SYNC4, NFS4_IO_MAX, NFS4ERR_INVAL, OP_WRITE, UNSTABLE4 } from "../constants.ts";
import { defineOp } from "../op.ts";
import { decodeStateid, type Stateid4 } from "../types.ts";
import { checkStateid, countedCall } from "./stateid.ts";

interface WriteArgs {
  stateid: Stateid4;
  offset: bigint;
  stable: number;
  data: Buffer;
}

const STABILITY: Record<number, Stability> = {
  [UNSTABLE4]: "unstable",
  [DATA_SYNC4]: "data_sync",
  [FILE_SYNC4]: "file_sync",
};

export const write = defineOp<WriteArgs>({
  op: OP_WRITE,
  name: "WRITE",
  decode(r) {
    const stateid = decodeStateid(r);
    const offset = r.uint64();
    const stable = r.uint32();
    if (STABILITY[stable] === undefined) throw new XdrError(`bad stable_how4 ${stable}`);
    return { stateid, offset, stable, data: r.opaque(NFS4_IO_MAX) };
  },
  async run(c, a) {
    const f = c.file(true, c.fh(), NFS4ERR_INVAL);
    const open = checkStateid(c, a.stateid);
    const r = await c.env.files.write(countedCall(c, f, open), {
      offset: a.offset,
      data: a.data,
      stability: STABILITY[a.stable]!,
    });
    if (open !== null) open.written = true;
    const verifier = c.env.writeVerifier;
    return (w) => w.uint32(r.count).uint32(a.stable).fixedOpaque(verifier);
  },
});
