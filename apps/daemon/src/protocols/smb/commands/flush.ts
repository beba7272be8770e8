/** SMB2 FLUSH ([MS-SMB2] §2.2.17, §3.3.5.11): every acknowledged write of the file is durable on return. */

import { fileCall } from "../calls.ts";
import { FILE_APPEND_DATA, FILE_WRITE_DATA } from "../constants.ts";
import { STATUS_ACCESS_DENIED } from "../ntstatus.ts";
import { type CommandSpec, type Reply, readFileId, type SmbRequest } from "../request.ts";
import { SmbError } from "../status.ts";
import { flushUpdate } from "../write-time.ts";
import { EMPTY_4 } from "./logoff.ts";

export async function flush(req: SmbRequest): Promise<Reply> {
  const r = req.reader();
  r.u16();
  r.u32();
  const open = req.open(readFileId(r));
  if (!open.isDir && !(open.grantedAccess & (FILE_WRITE_DATA | FILE_APPEND_DATA))) {
    throw new SmbError(STATUS_ACCESS_DENIED);
  }
  // A directory has nothing to flush; a symlink or device neither (nonFileOk).
  if (!open.isDir) await req.server.ctx.files.commit(fileCall(open), true);
  // A pending LastWriteTime update is applied now (write-time.ts).
  await flushUpdate(req.server, open);
  return { body: EMPTY_4() };
}

export const FLUSH: CommandSpec = {
  name: "FLUSH",
  structureSize: 24,
  needsSession: true,
  needsTree: true,
  handle: flush,
};
