/**
 * Oplock and lease wire formats: the lease request/response create contexts ([MS-SMB2]
 * §2.2.13.2.8 SMB2_CREATE_REQUEST_LEASE / _V2, §2.2.14.2.10/.11), the break notifications
 * (§2.2.23.1 oplock, §2.2.23.2 lease) and the acknowledgments and their responses (§2.2.24,
 * §2.2.25). The state machine that uses them is in oplocks.ts.
 */
import type { CreateContext } from "./create-contexts.ts";
import { STATUS_INVALID_PARAMETER } from "./ntstatus.ts";
import { SmbError } from "./status.ts";
import { SmbReader, SmbWriter } from "./wire.ts";

/** §2.2.13 RequestedOplockLevel values. */
export const SMB2_OPLOCK_LEVEL_NONE = 0x00;
export const SMB2_OPLOCK_LEVEL_II = 0x01;
export const SMB2_OPLOCK_LEVEL_EXCLUSIVE = 0x08;
export const SMB2_OPLOCK_LEVEL_BATCH = 0x09;
export const SMB2_OPLOCK_LEVEL_LEASE = 0xff;

/** §2.2.13.2.8 LeaseState bits. */
export const SMB2_LEASE_READ_CACHING = 0x01;
export const SMB2_LEASE_HANDLE_CACHING = 0x02;
export const SMB2_LEASE_WRITE_CACHING = 0x04;
/** §2.2.13.2.10 LeaseFlags. */
export const SMB2_LEASE_FLAG_BREAK_IN_PROGRESS = 0x02;
export const SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET = 0x04;
/** §2.2.23.2 Flags. */
export const SMB2_NOTIFY_BREAK_LEASE_FLAG_ACK_REQUIRED = 0x01;

/** Oplock acknowledgment / notification StructureSize (§2.2.23.1, §2.2.24.1). */
export const OPLOCK_BREAK_STRUCTURE_SIZE = 24;
/** Lease acknowledgment StructureSize (§2.2.24.2). */
export const LEASE_ACK_STRUCTURE_SIZE = 36;

const LEASE_V1_BYTES = 32;
const LEASE_V2_BYTES = 52;

export interface LeaseRequest {
  key: Buffer;
  state: number;
  version: 1 | 2;
  parentKey: Buffer | null;
  epoch: number;
}

/**
 * The "RqLs" context of a CREATE, if any. V2 (52 bytes) needs SMB 3.x; a 2.1 client's context
 * is read as V1 (§3.3.5.9.8, §3.3.5.9.11).
 */
export function parseLeaseRequest(contexts: CreateContext[], smb3: boolean): LeaseRequest | null {
  const ctx = contexts.find((c) => c.name === "RqLs");
  if (!ctx) return null;
  if (ctx.data.length < LEASE_V1_BYTES) throw new SmbError(STATUS_INVALID_PARAMETER, "short lease context");
  const r = new SmbReader(ctx.data, 0);
  const key = Buffer.from(r.bytes(16));
  const state = r.u32() & 0x7;
  const flags = r.u32();
  r.u64(); // LeaseDuration: reserved
  if (smb3 && ctx.data.length >= LEASE_V2_BYTES) {
    const parent = Buffer.from(r.bytes(16));
    const epoch = r.u16();
    const hasParent = (flags & SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET) !== 0;
    return { key, state, version: 2, parentKey: hasParent ? parent : null, epoch };
  }
  return { key, state, version: 1, parentKey: null, epoch: 0 };
}

export interface LeaseGrant {
  key: Buffer;
  state: number;
  flags: number;
  version: 1 | 2;
  parentKey: Buffer | null;
  epoch: number;
}

/** §2.2.14.2.10 / §2.2.14.2.11 SMB2_CREATE_RESPONSE_LEASE(_V2). */
export function leaseResponseContext(g: LeaseGrant): CreateContext {
  const w = new SmbWriter(LEASE_V2_BYTES);
  const flags = g.flags | (g.parentKey ? SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET : 0);
  w.bytes(g.key).u32(g.state).u32(flags).u64(0n);
  if (g.version === 2) {
    w.bytes(g.parentKey ?? Buffer.alloc(16))
      .u16(g.epoch & 0xffff)
      .u16(0);
  }
  return { name: "RqLs", data: w.finish() };
}

/** §2.2.23.1 Oplock Break Notification (also the §2.2.25.1 response layout). */
export function oplockBreakBody(level: number, persistent: bigint, volatile: bigint): Buffer {
  return new SmbWriter(24)
    .u16(OPLOCK_BREAK_STRUCTURE_SIZE)
    .u8(level)
    .u8(0)
    .u32(0)
    .u64(persistent)
    .u64(volatile)
    .finish();
}

/** §2.2.23.2 Lease Break Notification. */
export function leaseBreakBody(
  key: Buffer,
  epoch: number,
  ackRequired: boolean,
  current: number,
  next: number,
): Buffer {
  return new SmbWriter(44)
    .u16(44)
    .u16(epoch & 0xffff)
    .u32(ackRequired ? SMB2_NOTIFY_BREAK_LEASE_FLAG_ACK_REQUIRED : 0)
    .bytes(key)
    .u32(current)
    .u32(next)
    .u32(0) // BreakReason
    .u32(0) // AccessMaskHint
    .u32(0) // ShareMaskHint
    .finish();
}

/** §2.2.25.2 Lease Break Response. */
export function leaseAckResponseBody(key: Buffer, state: number): Buffer {
  return new SmbWriter(36).u16(LEASE_ACK_STRUCTURE_SIZE).u16(0).u32(0).bytes(key).u32(state).u64(0n).finish();
}
