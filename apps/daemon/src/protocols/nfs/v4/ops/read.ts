/**
 * RFC 8881 §18.22 READ: up to `count` bytes (at most maxread, and what the session's reply size
 * leaves room for) at `offset` of the current file, with the open's stateid checked (special
 * stateids allowed). The data is sent by reference.
 */
import { NFS4_IO_MAX, NFS4ERR_INVAL, OP_READ } from "../constants.ts";
import { defineOp } from "../op.ts";
import { decodeStateid, type Stateid4 } from "../types.ts";
import { checkStateid, countedCall } from "./stateid.ts";

interface ReadArgs {
  stateid: Stateid4;
  offset: bigint;
  count: number;
}

const EMPTY = Buffer.alloc(0);
/** READ4resok before the data: eof, the data's length. */
const READ_RESULT_BYTES = 8;

export const read = defineOp<ReadArgs>({
  op: OP_READ,
  name: "READ",
  decode: (r) => ({ stateid: decodeStateid(r), offset: r.uint64(), count: r.uint32() }),
  async run(c, a) {
    const f = c.file(false, c.fh(), NFS4ERR_INVAL);
    const open = checkStateid(c, a.stateid);
    if (a.offset > BigInt(Number.MAX_SAFE_INTEGER)) return (w) => w.bool(true).opaqueRef(EMPTY);
    // eof and the data's length word come before the data; the session's reply size bounds it.
    const count = Math.min(a.count, NFS4_IO_MAX, Math.max(0, c.replyRoom() - READ_RESULT_BYTES));
    const r = await c.env.files.read(countedCall(c, f, open), { offset: Number(a.offset), count });
    return (w) => w.bool(r.eof).opaqueRefs(r.parts, r.length);
  },
});
