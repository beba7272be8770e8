/**
 * Open.ChannelSequence and its outstanding request counts ([MS-SMB2] §3.3.5.2.10, as Samba
 * checks them): a 3.x client raises the ChannelSequence of its requests after losing a channel,
 * so a modifying request (WRITE, SET_INFO, IOCTL) still carrying an older one, sent before the
 * failover, is refused STATUS_FILE_NOT_AVAILABLE instead of applied after newer ones. Requests
 * of an older sequence still running are counted (preRequests): a replayed request is accepted
 * with a newer sequence only once none of them is outstanding. A difference beyond 0x7FFF is a
 * wrapped 16-bit counter (Samba's reading of the rule).
 */
import {
  SMB2_DIALECT_300,
  SMB2_FLAGS_REPLAY_OPERATION,
  SMB2_IOCTL,
  SMB2_SET_INFO,
  SMB2_WRITE,
} from "./constants.ts";
import type { Open } from "./state.ts";
import { SmbError } from "./status.ts";

const STATUS_FILE_NOT_AVAILABLE = 0xc0000467;
/** The commands §3.3.5.2.10 refuses with a stale ChannelSequence; others are only not counted. */
const MODIFYING = new Set([SMB2_WRITE, SMB2_SET_INFO, SMB2_IOCTL]);
const MAX_FORWARD = 0x7fff;

/** A request counted against an open until its reply is built (releaseChannelSequence). */
export interface CountedRequest {
  open: Open;
  generation: number;
}

/** What §3.3.5.2.10 reads of a request: its connection's dialect and its message. */
interface Counted {
  dialect: number;
  msg: Buffer;
  counted: CountedRequest | null;
}

/**
 * §3.3.5.2.10 for a request naming `open` (SmbRequest.open); throws FILE_NOT_AVAILABLE for a
 * stale modifying one, else notes the request as outstanding in `req.counted`.
 */
export function checkChannelSequence(req: Counted, open: Open): void {
  if (req.dialect < SMB2_DIALECT_300 || req.counted) return;
  open.channelSequence ??= { sequence: 0, generation: 0, requests: 0, preRequests: 0 };
  const c = open.channelSequence;
  const sequence = req.msg.readUInt16LE(8);
  let cmp = sequence - c.sequence;
  const wrap = cmp < 0 ? 1 : 0;
  if (Math.abs(cmp) > MAX_FORWARD) cmp = -cmp;
  const replay = (req.msg.readUInt32LE(16) & SMB2_FLAGS_REPLAY_OPERATION) !== 0;
  const free = !replay || c.preRequests === 0;
  if (cmp === 0 && free) c.requests += 1;
  else if (cmp > 0 && free) {
    c.preRequests += c.requests;
    c.requests = 1;
    c.sequence = sequence;
    c.generation += wrap;
  } else if (MODIFYING.has(req.msg.readUInt16LE(12))) {
    throw new SmbError(STATUS_FILE_NOT_AVAILABLE, "stale ChannelSequence");
  } else return;
  req.counted = { open, generation: c.generation };
}

/** The request's reply is built: it stops being outstanding (§3.3.4.1). */
export function releaseChannelSequence(req: Counted): void {
  const k = req.counted;
  const c = k?.open.channelSequence;
  if (!k || !c) return;
  req.counted = null;
  if (c.sequence === req.msg.readUInt16LE(8) && c.generation === k.generation)
    c.requests = Math.max(0, c.requests - 1);
  else c.preRequests = Math.max(0, c.preRequests - 1);
}
