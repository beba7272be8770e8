/** SMB2 LOGOFF ([MS-SMB2] §2.2.7, §3.3.5.6): closes the session's opens and forgets it. */
import type { CommandSpec, Reply, SmbRequest } from "../request.ts";

export const EMPTY_4 = (): Buffer => Buffer.from([4, 0, 0, 0]);

export async function logoff(req: SmbRequest): Promise<Reply> {
  const session = req.requireSession();
  await req.conn.closeSessionOpens(session);
  session.trees.clear();
  req.conn.sessions.delete(session.id);
  return { body: EMPTY_4() };
}

export const LOGOFF: CommandSpec = {
  name: "LOGOFF",
  structureSize: 4,
  needsSession: true,
  needsTree: false,
  handle: logoff,
};
