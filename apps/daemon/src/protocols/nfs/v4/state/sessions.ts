/**
 * NFSv4.1 sessions (RFC 8881 §2.10): the fore channel's slot table and its reply cache, which
 * gives every request exactly-once semantics (§2.10.6). A slot holds the sequenceid of the last
 * request on it and that request's reply; a retry of it gets the same reply, a request on a busy
 * slot NFS4ERR_DELAY, anything else NFS4ERR_SEQ_MISORDERED.
 */
import { randomBytes } from "node:crypto";
import {
  NFS4_BACK_OPS_MAX,
  NFS4_CACHED_REPLY_MAX,
  NFS4_CHANNEL_SIZE_MIN,
  NFS4_IO_MAX,
  NFS4_REQUEST_MAX,
  NFS4_RESPONSE_MAX,
  NFS4_SESSIONID_SIZE,
  NFS4_SLOTS_MAX,
  NFS4ERR_BADSLOT,
  NFS4ERR_DELAY,
  NFS4ERR_RETRY_UNCACHED_REP,
  NFS4ERR_SEQ_MISORDERED,
  NFS4ERR_TOOSMALL,
} from "../constants.ts";
import { Nfs4Error } from "../status.ts";
import type { ClientRecord } from "./clients.ts";

/** channel_attrs4 (RFC 8881 §18.36.1), rdma_ird omitted (RPC over TCP only). */
export interface ChannelAttrs {
  headerPadSize: number;
  maxRequestSize: number;
  maxResponseSize: number;
  maxResponseSizeCached: number;
  maxOperations: number;
  maxRequests: number;
}

interface Slot {
  /** sequenceid of the last request on the slot (0 before the first). */
  seq: number;
  inUse: boolean;
  /** The last reply's COMPOUND body, or null when it was too large or not asked to be kept. */
  reply: Buffer | null;
}

export interface Session {
  id: Buffer;
  client: ClientRecord;
  fore: ChannelAttrs;
  back: ChannelAttrs;
  flags: number;
  slots: Slot[];
}

/** What a SEQUENCE found: a new request to run on the slot, or the reply to send again. */
export type SlotClaim = { kind: "new"; slot: number } | { kind: "replay"; reply: Buffer };

/**
 * The fore channel we grant: the client's ask, bounded by what we serve (RFC 8881 §18.36.3).
 * Sizes too small for a SEQUENCE and its RPC headers are NFS4ERR_TOOSMALL. COMPOUND enforces the
 * result on every request (compound.ts, ops/sequence.ts).
 */
export function negotiateFore(ask: ChannelAttrs, opsMax: number): ChannelAttrs {
  if (ask.maxRequestSize < NFS4_CHANNEL_SIZE_MIN || ask.maxResponseSize < NFS4_CHANNEL_SIZE_MIN) {
    throw new Nfs4Error(NFS4ERR_TOOSMALL, "fore channel sizes");
  }
  return {
    headerPadSize: 0,
    maxRequestSize: Math.min(ask.maxRequestSize, NFS4_REQUEST_MAX),
    maxResponseSize: Math.min(ask.maxResponseSize, NFS4_RESPONSE_MAX),
    maxResponseSizeCached: Math.min(ask.maxResponseSizeCached, NFS4_CACHED_REPLY_MAX),
    maxOperations: Math.min(Math.max(ask.maxOperations, 1), opsMax),
    maxRequests: Math.min(Math.max(ask.maxRequests, 1), NFS4_SLOTS_MAX),
  };
}

/** The back channel: echoed within bounds; this server sends no callbacks (no delegations). */
export function negotiateBack(ask: ChannelAttrs): ChannelAttrs {
  return {
    headerPadSize: 0,
    maxRequestSize: Math.min(ask.maxRequestSize, NFS4_IO_MAX),
    maxResponseSize: Math.min(ask.maxResponseSize, NFS4_IO_MAX),
    maxResponseSizeCached: 0,
    maxOperations: Math.min(Math.max(ask.maxOperations, 1), NFS4_BACK_OPS_MAX),
    maxRequests: 1,
  };
}

export function newSession(
  client: ClientRecord,
  fore: ChannelAttrs,
  back: ChannelAttrs,
  flags: number,
): Session {
  const id = Buffer.alloc(NFS4_SESSIONID_SIZE);
  id.writeBigUInt64BE(client.clientId, 0);
  randomBytes(8).copy(id, 8);
  const slots = Array.from({ length: fore.maxRequests }, () => ({ seq: 0, inUse: false, reply: null }));
  return { id, client, fore, back, flags, slots };
}

/** RFC 8881 §2.10.6.1: claims slot `slotId` for `seq`, or finds the reply of its retry. */
export function claimSlot(s: Session, slotId: number, seq: number): SlotClaim {
  const slot = s.slots[slotId];
  if (slot === undefined) throw new Nfs4Error(NFS4ERR_BADSLOT, `slot ${slotId}`);
  if (slot.inUse) throw new Nfs4Error(NFS4ERR_DELAY, "slot busy");
  if (seq === (slot.seq + 1) >>> 0) {
    slot.inUse = true;
    slot.seq = seq;
    slot.reply = null;
    return { kind: "new", slot: slotId };
  }
  if (seq === slot.seq) {
    if (slot.reply === null) throw new Nfs4Error(NFS4ERR_RETRY_UNCACHED_REP);
    return { kind: "replay", reply: slot.reply };
  }
  throw new Nfs4Error(NFS4ERR_SEQ_MISORDERED, `slot ${slotId}: seq ${seq} after ${slot.seq}`);
}

/** Frees the slot with the reply to keep (null: too large for ca_maxresponsesize_cached). */
export function releaseSlot(s: Session, slotId: number, reply: Buffer | null): void {
  const slot = s.slots[slotId];
  if (slot === undefined) return;
  slot.inUse = false;
  slot.reply = reply;
}

/** The highest slot id in use or used (sr_highest_slotid): the table's last index. */
export function highestSlot(s: Session): number {
  return s.slots.length - 1;
}
