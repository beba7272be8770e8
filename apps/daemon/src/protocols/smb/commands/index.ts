/**
 * The SMB2 dispatch table ([MS-SMB2] §2.2.1.2 command codes → handler and flags). This table is
 * the only switch on the command code; CANCEL is handled by the connection (it has no response).
 */
import * as C from "../constants.ts";
import type { CommandSpec } from "../request.ts";
import { CHANGE_NOTIFY } from "./change-notify.ts";
import { CLOSE } from "./close.ts";
import { CREATE } from "./create.ts";
import { ECHO } from "./echo.ts";
import { FLUSH } from "./flush.ts";
import { IOCTL } from "./ioctl.ts";
import { LOCK } from "./lock.ts";
import { LOGOFF } from "./logoff.ts";
import { NEGOTIATE } from "./negotiate.ts";
import { OPLOCK_BREAK } from "./oplock-break.ts";
import { QUERY_DIRECTORY } from "./query-directory.ts";
import { QUERY_INFO } from "./query-info.ts";
import { READ } from "./read.ts";
import { SESSION_SETUP } from "./session-setup.ts";
import { SET_INFO } from "./set-info.ts";
import { TREE_CONNECT, TREE_DISCONNECT } from "./tree-connect.ts";
import { WRITE } from "./write.ts";

export const COMMANDS: Readonly<Record<number, CommandSpec>> = {
  [C.SMB2_NEGOTIATE]: NEGOTIATE,
  [C.SMB2_SESSION_SETUP]: SESSION_SETUP,
  [C.SMB2_LOGOFF]: LOGOFF,
  [C.SMB2_TREE_CONNECT]: TREE_CONNECT,
  [C.SMB2_TREE_DISCONNECT]: TREE_DISCONNECT,
  [C.SMB2_CREATE]: CREATE,
  [C.SMB2_CLOSE]: CLOSE,
  [C.SMB2_FLUSH]: FLUSH,
  [C.SMB2_READ]: READ,
  [C.SMB2_WRITE]: WRITE,
  [C.SMB2_LOCK]: LOCK,
  [C.SMB2_IOCTL]: IOCTL,
  [C.SMB2_ECHO]: ECHO,
  [C.SMB2_QUERY_DIRECTORY]: QUERY_DIRECTORY,
  [C.SMB2_CHANGE_NOTIFY]: CHANGE_NOTIFY,
  [C.SMB2_QUERY_INFO]: QUERY_INFO,
  [C.SMB2_SET_INFO]: SET_INFO,
  [C.SMB2_OPLOCK_BREAK]: OPLOCK_BREAK,
};
