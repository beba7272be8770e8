/**
 * What the oplock and lease tests share (commands/oplock-break.test.ts, lease-break.test.ts): an
 * open asking for a lease, and a lease break notification read field by field ([MS-SMB2]
 * §2.2.13.2.8 SMB2_CREATE_REQUEST_LEASE(_V2), §2.2.23.2 Lease Break Notification).
 */
import * as C from "../constants.ts";
import { SMB2_OPLOCK_LEVEL_LEASE } from "../leases.ts";
import { type CreateOptions, createBody, leaseContext } from "./bodies.ts";
import type { SmbResponse, SmbTestClient } from "./smb-client.ts";

export interface LeaseOpenOptions extends CreateOptions {
  /** SMB2_CREATE_REQUEST_LEASE_V2 with this epoch (else V1). */
  epoch?: number;
}

/** `c` opens `name` asking for a lease of `state` under `key`, with `opts` for the rest of the CREATE. */
export function leaseOpen(
  c: SmbTestClient,
  name: string,
  key: Buffer,
  state: number,
  { epoch, ...opts }: LeaseOpenOptions = {},
): Promise<SmbResponse> {
  const contexts = leaseContext(key, state, epoch !== undefined, epoch ?? 0);
  return c.send(C.SMB2_CREATE, createBody(name, { oplock: SMB2_OPLOCK_LEVEL_LEASE, contexts, ...opts }));
}

/** [CurrentLeaseState, NewLeaseState, SMB2_NOTIFY_BREAK_LEASE_FLAG_ACK_REQUIRED] of a lease break notification. */
export function leaseBreak(r: SmbResponse): [number, number, boolean] {
  return [r.body.readUInt32LE(24), r.body.readUInt32LE(28), (r.body.readUInt32LE(4) & 1) === 1];
}
