/** SMB2 ECHO ([MS-SMB2] §2.2.28, §3.3.5.17). */
import type { CommandSpec, Reply } from "../request.ts";
import { EMPTY_4 } from "./logoff.ts";

export const ECHO: CommandSpec = {
  name: "ECHO",
  structureSize: 4,
  needsSession: false,
  needsTree: false,
  handle: async (): Promise<Reply> => ({ body: EMPTY_4() }),
};
