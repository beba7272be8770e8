/**
 * Stateid arguments of READ, WRITE, SETATTR, CLOSE…: the special stateids (RFC 8881 §8.2.3)
 * pass, "current stateid" (seqid 1, other 0: §16.2.3.1.2) means the one an earlier operation of
 * the COMPOUND set, any other must name an open of this server.
 */
import type { FileCall } from "../../../../files/types.ts";
import { NFS4ERR_BAD_STATEID } from "../constants.ts";
import type { Compound } from "../op.ts";
import { lockOwnerKey, openOwnerKey, type SeqidUse } from "../state/owner-seqids.ts";
import { isCurrentStateid, isSpecialStateid, type OpenState } from "../state/stateids.ts";
import { Nfs4Error } from "../status.ts";
import type { Stateid4 } from "../types.ts";

/** The stateid `s` stands for in this COMPOUND. */
export function effectiveStateid(c: Compound, s: Stateid4): Stateid4 {
  if (c.minor >= 1 && isCurrentStateid(s)) {
    if (c.currentStateid === null) throw new Nfs4Error(NFS4ERR_BAD_STATEID, "no current stateid");
    return c.currentStateid;
  }
  return s;
}

/**
 * The open a non-special stateid names (null for a special one); BAD/OLD/STALE_STATEID else. A
 * lock stateid (READ/WRITE of a lock holder) stands for the open it was made from.
 */
export function checkStateid(c: Compound, s: Stateid4): OpenState | null {
  const eff = effectiveStateid(c, s);
  if (isSpecialStateid(eff)) return null;
  const { locks } = c.env.locking;
  // `other` as hex once: both tables are keyed by it (READ and WRITE pass here every call).
  const key = eff.other.toString("hex");
  if (locks.hasKey(key)) return c.env.state.stateids.openOfLock(locks.find(eff, key).open, c.minor);
  return c.env.state.stateids.find(eff, c.minor, key);
}

/**
 * READ/WRITE's call counted for the connected client doing it (the console's per-client
 * traffic): the session's client (v4.1), else the client of the open (v4.0); none for a v4.0
 * special stateid.
 */
export function countedCall(c: Compound, f: FileCall, open: OpenState | null): FileCall {
  const { clients } = c.env.state;
  const record = c.session?.client ?? (open === null ? undefined : clients.find(open.clientId));
  const client = record === undefined ? undefined : clients.countFor(record, f.share.name);
  return client === undefined ? f : { ...f, client };
}

/** An open stateid for CLOSE / OPEN_CONFIRM / LOCK: special and lock stateids are BAD_STATEID. */
export function openOf(c: Compound, s: Stateid4): OpenState {
  const eff = effectiveStateid(c, s);
  if (isSpecialStateid(eff)) throw new Nfs4Error(NFS4ERR_BAD_STATEID, "not an open stateid");
  const key = eff.other.toString("hex");
  if (c.env.locking.locks.hasKey(key)) throw new Nfs4Error(NFS4ERR_BAD_STATEID, "not an open stateid");
  return c.env.state.stateids.find(eff, c.minor, key);
}

/**
 * v4.0: the open-owner sequence a CLOSE / OPEN_CONFIRM / OPEN_DOWNGRADE / LOCK advances — the
 * owner of the open `s` names, whatever its seqid (a retransmission names an older one), or of
 * the open that owner's last operation closed (CLOSE's retransmission).
 */
export function openSeqid(c: Compound, s: Stateid4, seqid: number): SeqidUse {
  const { state } = c.env;
  const closedBy = state.owners.ownerOfStateid(s.other);
  if (closedBy !== undefined) return { key: closedBy, seqid, other: s.other };
  const st = openOf(c, { seqid: 0, other: s.other });
  return { key: openOwnerKey(st.clientId, st.owner), seqid, other: s.other };
}

/** v4.0: the lock-owner sequence a LOCK (existing lock-owner) or LOCKU advances. */
export function lockSeqid(c: Compound, s: Stateid4, seqid: number): SeqidUse {
  const st = c.env.locking.locks.find({ seqid: 0, other: s.other });
  return { key: lockOwnerKey(st.clientId, st.owner), seqid, other: s.other };
}
