/**
 * Stateid arguments of READ, WRITE, SETATTR, CLOSE…: the special stateids (RFC 8881 §8.2.3)
 * pass, "current stateid" (seqid 1, other 0: §16.2.3.1.2) means the one an earlier operation of
 * the COMPOUND set, any other must name an open of this server.
 */
import { NFS4ERR_BAD_STATEID } from "../constants.ts";
import type { Compound } from "../op.ts";
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

/** The open a non-special stateid names (null for a special one); BAD/OLD/STALE_STATEID else. */
export function checkStateid(c: Compound, s: Stateid4): OpenState | null {
  const eff = effectiveStateid(c, s);
  if (isSpecialStateid(eff)) return null;
  return c.env.state.stateids.find(eff, c.minor);
}

/** An open stateid for CLOSE / OPEN_CONFIRM: special ones are BAD_STATEID. */
export function openOf(c: Compound, s: Stateid4): OpenState {
  const st = checkStateid(c, s);
  if (st === null) throw new Nfs4Error(NFS4ERR_BAD_STATEID, "special stateid");
  return st;
}
