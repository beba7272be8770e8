/** SMB2 ECHO ([MS-SMB2] §2.2.28, §3.3.5.17); CHANGE_NOTIFY and OPLOCK_BREAK are refused for now. */
import { STATUS_INVALID_OPLOCK_PROTOCOL, STATUS_NOT_SUPPORTED } from "../ntstatus.ts";
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

/** No oplock or lease is ever granted, so there is nothing to acknowledge (§3.3.5.22). */
export const OPLOCK_BREAK: CommandSpec = {
  name: "OPLOCK_BREAK",
  structureSize: 24,
  needsSession: true,
  needsTree: true,
  handle: async () => {
    throw new SmbError(STATUS_INVALID_OPLOCK_PROTOCOL);
  },
};
