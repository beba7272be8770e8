/**
 * Compound chains ([MS-SMB2] §3.3.5.2.7) and the credit window (§3.3.1.2) of a connection.
 */
import { SMB2_DIALECT_202, SMB2_HEADER_SIZE } from "./constants.ts";
import { MAX_CREDITS } from "./limits.ts";
import { STATUS_INVALID_PARAMETER } from "./ntstatus.ts";
import { SmbError } from "./status.ts";

/**
 * Most commands one compound may carry. MS-SMB2 sets none; clients send a handful (the Linux client
 * at most 5, Windows fewer than 10), and each runs in order on the frame's slot, so a longer chain
 * is a client hogging its connection: the connection is closed as for any malformed frame.
 */
export const MAX_COMPOUND_MESSAGES = 128;

/** Splits a frame into its messages, checking every NextCommand (8-aligned, in bounds). */
export function splitChain(frame: Buffer): Buffer[] {
  const msgs: Buffer[] = [];
  let at = 0;
  for (;;) {
    if (frame.length - at < SMB2_HEADER_SIZE) throw new SmbError(STATUS_INVALID_PARAMETER, "short message");
    if (msgs.length === MAX_COMPOUND_MESSAGES) throw new SmbError(STATUS_INVALID_PARAMETER, "chain too long");
    const next = frame.readUInt32LE(at + 20);
    if (next === 0) {
      msgs.push(frame.subarray(at));
      return msgs;
    }
    if (next % 8 !== 0 || next < SMB2_HEADER_SIZE || at + next > frame.length) {
      throw new SmbError(STATUS_INVALID_PARAMETER, "bad NextCommand");
    }
    msgs.push(frame.subarray(at, at + next));
    at += next;
  }
}

/**
 * Credits granted minus credits charged. A response grants its request's charge plus what the
 * client asked for beyond one credit, as Samba and Windows Server 2016 grant them (smbtorture
 * smb2.credits.single_req_credits_granted: asking for 1 gets 1), never past MAX_CREDITS
 * outstanding, and at least what keeps the client above zero (never starve). NEGOTIATE and a
 * SESSION_SETUP that has not succeeded grant only their charge (Samba's
 * smb2_set_operation_credit).
 */
export class CreditWindow {
  /** The implicit credit of the first NEGOTIATE. */
  outstanding = 1;

  grant(dialect: number, creditCharge: number, creditRequest: number, additional = true): number {
    const charge = dialect > SMB2_DIALECT_202 ? Math.max(1, creditCharge) : 1;
    this.outstanding = Math.max(0, this.outstanding - charge);
    const extra = additional ? Math.max(1, creditRequest) - 1 : 0;
    let granted = Math.min(charge + extra, MAX_CREDITS - this.outstanding);
    if (this.outstanding + granted === 0) granted = 1;
    this.outstanding += granted;
    return granted;
  }
}
