/**
 * Lock sequence verification ([MS-SMB2] §3.3.5.14): a LOCK request's LockSequenceNumber (its
 * low 4 bits) and LockSequenceIndex (the 28 above). An index of 1–64 names an entry of the open's
 * LockSequenceArray: a request whose number matches that valid entry is a replay (the client sent
 * it again after losing the connection, not knowing whether it was done) and succeeds without
 * being processed; any other request makes the entry invalid and, once it succeeds, stores its
 * number there. Index 0 or past 64 is never checked, nor anything on 2.0.2, where the field is
 * Reserved (§2.2.26). The array belongs to the open, so it survives a durable reconnect
 * (durable.ts adopts the same Open).
 *
 * Verification runs where the spec says it SHOULD and Samba does: for durable and resilient
 * opens, and on a 3.x connection offering SMB2_GLOBAL_CAP_MULTI_CHANNEL. (Windows checks only
 * resilient and persistent opens, <314>; smbtorture smb2.lock.replay_smb3_specification_durable
 * expects the spec.)
 */
import { serverCapabilities } from "./commands/negotiate.ts";
import { SMB2_DIALECT_210, SMB2_DIALECT_300, SMB2_GLOBAL_CAP_MULTI_CHANNEL } from "./constants.ts";
import type { SmbRequest } from "./request.ts";
import type { Open } from "./state.ts";

/** §3.3.1.10 Open.LockSequenceArray: 64 entries. */
export const LOCK_SEQUENCE_ENTRIES = 64;
/** An entry that matches no LockSequenceNumber (they are 4 bits). */
const INVALID = 0xff;

export interface LockSequenceSlot {
  /** The request is a replay of one already done: answer success, do nothing. */
  replayed: boolean;
  /** Records the request's number once it succeeded. */
  done(): void;
}

function verifies(req: SmbRequest, open: Open): boolean {
  const c = req.conn;
  if (c.dialect < SMB2_DIALECT_210) return false;
  if (open.durable !== null || open.resilient === true) return true;
  const caps = serverCapabilities(c.dialect, c.cipher, c.clientCapabilities);
  return c.dialect >= SMB2_DIALECT_300 && (caps & SMB2_GLOBAL_CAP_MULTI_CHANNEL) !== 0;
}

/** The request's entry of the open's LockSequenceArray, or null when none is checked. */
export function lockSequenceSlot(req: SmbRequest, open: Open, lockSequence: number): LockSequenceSlot | null {
  const index = lockSequence >>> 4;
  if (index < 1 || index > LOCK_SEQUENCE_ENTRIES || !verifies(req, open)) return null;
  const value = lockSequence & 0xf;
  open.lockSequences ??= new Uint8Array(LOCK_SEQUENCE_ENTRIES).fill(INVALID);
  const array = open.lockSequences;
  if (array[index - 1] === value) return { replayed: true, done: () => {} };
  array[index - 1] = INVALID;
  return {
    replayed: false,
    done: () => {
      array[index - 1] = value;
    },
  };
}
