/** SMB2 LOGOFF ([MS-SMB2] §2.2.7, §3.3.5.6): closes the session's opens and forgets it. */

import { sessionConnections } from "../channels.ts";
import type { CommandSpec, Reply, SmbRequest } from "../request.ts";
import type { Session, SmbConnectionPort } from "../state.ts";

export const EMPTY_4 = (): Buffer => Buffer.from([4, 0, 0, 0]);

/**
 * Ends a session on every channel it is bound to (§3.3.5.6): its opens closed (durable ones
 * disconnected, smbtorture smb2.durable-open.reopen4), its trees and the session forgotten
 * (LOGOFF, failed reauth, a PreviousSessionId).
 */
export async function endSession(conn: SmbConnectionPort, session: Session): Promise<void> {
  const conns = sessionConnections(session, conn);
  session.channels.clear();
  for (const c of conns) {
    await c.closeSessionOpens(session, undefined, true);
    c.sessions.delete(session.id);
  }
  session.trees.clear();
}

export async function logoff(req: SmbRequest): Promise<Reply> {
  await endSession(req.conn, req.requireSession());
  return { body: EMPTY_4() };
}

export const LOGOFF: CommandSpec = {
  name: "LOGOFF",
  structureSize: 4,
  needsSession: true,
  needsTree: false,
  handle: logoff,
};
