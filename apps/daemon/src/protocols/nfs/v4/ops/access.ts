/**
 * RFC 8881 §18.1 ACCESS: which of the asked rights the caller has on the current filehandle,
 * from the file service (mode bits and the share's access policy). The pseudo file system grants
 * reading and searching only.
 */
import { ACCESS_EXECUTE, ACCESS_LOOKUP, ACCESS_READ } from "../../../../metadata/types.ts";
import { OP_ACCESS } from "../constants.ts";
import { defineOp } from "../op.ts";

/** ACCESS4_READ … ACCESS4_EXECUTE: the bits this server judges (the same values as ACCESS3_*). */
const ACCESS4_ALL = 0x3f;
const PSEUDO_GRANTS = ACCESS_READ | ACCESS_LOOKUP | ACCESS_EXECUTE;

export const access = defineOp<number>({
  op: OP_ACCESS,
  name: "ACCESS",
  decode: (r) => r.uint32(),
  async run(c, asked) {
    const supported = asked & ACCESS4_ALL;
    const granted = c.isPseudo()
      ? supported & PSEUDO_GRANTS
      : (await c.env.files.access(c.file(), supported)).granted;
    return (w) => w.uint32(supported).uint32(granted);
  },
});
