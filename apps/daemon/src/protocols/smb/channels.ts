/**
 * A session's channels ([MS-SMB2] §3.3.1.8 Session.ChannelList, §3.3.1.14 Channel): the
 * connections it is valid on, the key each signs with, and the opens reachable through any of
 * them (a bind adds a channel, session-bind.ts; a connection going away leaves, connection.ts).
 */
import type { SigningKey } from "./auth/signing.ts";
import type { Open, Session, SmbConnectionPort } from "./state.ts";

/** The key requests of `session` on `conn` are signed with (§3.3.5.2.4: the channel's, else the session's). */
export function channelKey(session: Session, conn: SmbConnectionPort): SigningKey | null {
  return session.channels.get(conn)?.signingKey ?? session.signingKey;
}

/** The connections a session is valid on, `conn` (the one asking) first. */
export function sessionConnections(session: Session, conn: SmbConnectionPort): SmbConnectionPort[] {
  const out = [conn];
  for (const [c, ch] of session.channels) if (c !== conn && ch.signingKey) out.push(c);
  return out;
}

/** An open of `session` by volatile FileId, on whichever of its channels it was made (§3.3.5.2.10 lookups). */
export function findSessionOpen(
  session: Session,
  conn: SmbConnectionPort,
  volatile: bigint,
): Open | undefined {
  const here = conn.opens.get(volatile);
  if (here || session.channels.size < 2) return here;
  for (const c of sessionConnections(session, conn)) {
    const o = c.opens.get(volatile);
    if (o) return o;
  }
  return undefined;
}
