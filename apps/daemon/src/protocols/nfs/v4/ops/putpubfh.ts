/** RFC 8881 §18.20 PUTPUBFH: the public filehandle is the root of the pseudo file system here. */
import { OP_PUTPUBFH } from "../constants.ts";
import { defineOp } from "../op.ts";
import { putrootfh } from "./putrootfh.ts";

export const putpubfh = defineOp<undefined>({ ...putrootfh, op: OP_PUTPUBFH, name: "PUTPUBFH" });
