/** SMB2 ECHO ([MS-SMB2] §2.2.28, §3.3.5.17); CHANGE_NOTIFY is refused for now. */
import { STATUS_NOT_SUPPORTED } from "../ntstatus.ts";
import type { CommandSpec, Reply } from "../request.ts";
import { SmbError } from "../status.ts";
import { EMPTY_4 } from "./logoff.ts";

export const ECHO: CommandSpec = {
  name: "ECHO",
  structureSize: 4,
  needsSession: false,
  needsTree: false,
  handle: async (): Promise<Reply> => ({ body: EMPTY_4() }),
};

/** §3.3.5.19: answering NOT_SUPPORTED is allowed; clients fall back to polling (README). */
export const CHANGE_NOTIFY: CommandSpec = {
  name: "CHANGE_NOTIFY",
  structureSize: 32,
  needsSession: true,
  needsTree: true,
  handle: async () => {
    throw new SmbError(STATUS_NOT_SUPPORTED);
  },
};
