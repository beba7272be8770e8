/**
 * Oplocks and leases ([MS-SMB2] §3.3.1.4, §3.3.4.6, §3.3.4.7, §3.3.5.9, §3.3.5.22; break rules of
 * [MS-FSA] §2.1.4.12, applied as Samba applies them). Both are one caching state of R/H/W bits
 * held by a `CacheHolder`: an oplock is a holder with one open (LEVEL_II = R, EXCLUSIVE = RW,
 * BATCH = RWH), a lease is a holder keyed by ClientGuid + LeaseKey shared by every open that
 * names it. A break that takes W or H away waits for the client's acknowledgment (it flushes
 * dirty data or closes cached handles first), at most OPLOCK_BREAK_TIMEOUT_MS; a break of R
 * alone is a notification only.
 */
import {
  SMB2_LEASE_HANDLE_CACHING as H,
  leaseBreakBody,
  oplockBreakBody,
  SMB2_LEASE_READ_CACHING as R,
  SMB2_OPLOCK_LEVEL_BATCH,
  SMB2_OPLOCK_LEVEL_EXCLUSIVE,
  SMB2_OPLOCK_LEVEL_II,
  SMB2_OPLOCK_LEVEL_NONE,
  SMB2_LEASE_WRITE_CACHING as W,
} from "./leases.ts";
import { notificationSealer } from "./sealing.ts";
import { type CacheHolder, type FileState, isDisconnected, type Open, type SmbServerState } from "./state.ts";

/**
 * §3.3.2.1 Oplock Break Acknowledgment Timer and §3.3.2.5 Lease Break Acknowledgment Timer:
 * "an implementation-specific default value ... 35 seconds" (Windows' value; Samba uses the same).
 */
export const OPLOCK_BREAK_TIMEOUT_MS = 35_000;

export function oplockState(level: number): number {
  if (level === SMB2_OPLOCK_LEVEL_BATCH) return R | W | H;
  if (level === SMB2_OPLOCK_LEVEL_EXCLUSIVE) return R | W;
  if (level === SMB2_OPLOCK_LEVEL_II) return R;
  return 0;
}

export function oplockLevel(state: number): number {
  if (state & W) return state & H ? SMB2_OPLOCK_LEVEL_BATCH : SMB2_OPLOCK_LEVEL_EXCLUSIVE;
  return state & R ? SMB2_OPLOCK_LEVEL_II : SMB2_OPLOCK_LEVEL_NONE;
}

/** What a holder can be broken to: an oplock only to LEVEL_II or NONE (§2.2.23.1). */
function reachable(h: CacheHolder, to: number): number {
  const next = h.state & to;
  if (h.lease || next === h.state) return next;
  return next & R ? R : 0;
}

/** §3.3.4.7: a lease break needs an acknowledgment when it takes away W or H; oplocks when W. */
function needsAck(h: CacheHolder): boolean {
  return h.lease ? (h.state & (W | H)) !== 0 : (h.state & W) !== 0;
}

/**
 * Sends the break on a connected open of the holder; false when none is connected. A lease's
 * epoch advances with a new break, not with the next step of one in progress (Samba's
 * downgrade_lease; smbtorture smb2.lease.v2_breaking3).
 */
function sendBreak(server: SmbServerState, h: CacheHolder, to: number, ack: boolean, step: boolean): boolean {
  const open = [...h.opens].find((o) => !o.conn.isClosed && !isDisconnected(o));
  if (!open) return false;
  if (h.lease) {
    // §2.2.23.2 NewEpoch: V2 leases only; zero for V1.
    if (h.lease.version === 2 && !step) h.lease.epoch++;
    const epoch = h.lease.version === 2 ? h.lease.epoch : 0;
    const body = leaseBreakBody(h.lease.key, epoch, ack, h.state, to);
    open.conn.sendBreakNotification(body, notificationSealer(open));
  } else {
    const body = oplockBreakBody(oplockLevel(to), open.persistentId, open.volatileId);
    open.conn.sendBreakNotification(body, notificationSealer(open));
  }
  server.ctx.logger.debug({ file: h.file.handleKey, from: h.state, to, ack }, "smb: oplock break");
  return true;
}

/** Ends a pending break with `state` (acknowledged, timed out, or the holder went away). */
export function settleBreak(h: CacheHolder, state: number): void {
  const b = h.breaking;
  h.state = state;
  if (!b) return;
  h.breaking = null;
  clearTimeout(b.timer);
  b.finish();
}

/**
 * Sends a break to `to` and, when it needs an acknowledgment, marks the holder breaking. `step`
 * carries on an acknowledged break (acknowledge) whose waiters require `required`.
 */
function startBreak(server: SmbServerState, h: CacheHolder, to: number, step?: { required: number }): void {
  // Nobody to tell (a disconnected durable open, §3.3.4.6): nobody can acknowledge either.
  const ack = sendBreak(server, h, to, needsAck(h), step !== undefined) && needsAck(h);
  if (!ack) {
    h.state = to;
    return;
  }
  let finish = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  // Timer expiry (§3.3.2.1 Open.OplockLevel, §3.3.2.5 Lease.LeaseState): the holder keeps
  // nothing and the waiters go on (smbtorture smb2.lease.timeout: the lease reads back as none).
  const timer = setTimeout(() => {
    server.ctx.logger.warn({ file: h.file.handleKey }, "smb: oplock break not acknowledged in time");
    settleBreak(h, 0);
  }, OPLOCK_BREAK_TIMEOUT_MS);
  timer.unref();
  h.breaking = { to, required: to & (step?.required ?? to), done, finish, timer };
}

/**
 * Asks `h` to give up what `to` lacks. While a break is out no second notification goes out
 * (§3.3.4.7: one break at a time): what is required only shrinks, and the acknowledgment starts
 * the next step (acknowledge).
 */
export function requestBreak(server: SmbServerState, h: CacheHolder, to: number): void {
  const target = reachable(h, to);
  if (h.breaking) {
    h.breaking.required &= target;
    return;
  }
  if ((h.state & ~target) === 0 || h.opens.size === 0) return;
  startBreak(server, h, target);
}

/**
 * The client acknowledged a break keeping `state`; the waiters look again. When that is still
 * more than the break's waiters require, the next break goes out at once, in Windows' steps
 * (Samba's downgrade_lease; smbtorture smb2.lease.breaking3): while W or H remains the next one
 * keeps R and needs an acknowledgment, from R alone the holder goes to none without one.
 */
export function acknowledge(server: SmbServerState, h: CacheHolder, state: number): void {
  const required = h.breaking?.required ?? state;
  settleBreak(h, state);
  if ((state & ~required) === 0 || h.opens.size === 0) return;
  const next = state & (W | H) ? (required | R) & state : required & state;
  startBreak(server, h, reachable(h, next), { required });
}

/**
 * Breaks `h` to at most `to` (bits only go away). Resolves once it holds no more than that,
 * or right away when `wait` is false (notifications only, as a write's break of read caching).
 */
export async function breakHolder(
  server: SmbServerState,
  h: CacheHolder,
  to: number,
  wait = true,
): Promise<void> {
  for (;;) {
    requestBreak(server, h, to);
    const target = reachable(h, to);
    if (!wait || !h.breaking || (h.state & ~target) === 0 || h.opens.size === 0) return;
    await h.breaking.done;
  }
}

/** Every holder of `file` except `except` broken to `to`; resolves when all are (see breakHolder). */
export function breakOthers(
  server: SmbServerState,
  file: FileState,
  except: CacheHolder | null,
  to: (h: CacheHolder) => number,
  wait: boolean,
): Promise<void> | undefined {
  const waits: Promise<void>[] = [];
  for (const h of file.holders) {
    if (h === except) continue;
    const target = to(h);
    if ((h.state & ~target) === 0 && !h.breaking) continue;
    waits.push(breakHolder(server, h, target, wait));
  }
  return waits.length ? Promise.all(waits).then(() => undefined) : undefined;
}

/**
 * Every holder of `file` still breaking counts as having acknowledged down to `to` (§3.3.2.1,
 * §3.3.2.5 timer expiry, cut short for another protocol's change): the waiters go on. The client
 * learns nothing more; a late acknowledgment gets STATUS_UNSUCCESSFUL / INVALID_OPLOCK_PROTOCOL.
 */
export function expireBreaks(file: FileState, to: (h: CacheHolder) => number): number {
  let expired = 0;
  for (const h of file.holders) {
    if (!h.breaking) continue;
    settleBreak(h, reachable(h, h.state & to(h)));
    expired++;
  }
  return expired;
}

/**
 * A write, truncation or byte-range lock through `open` ends read caching (no wait), LEVEL_II
 * oplocks included the writer's own; only the writer's own lease is kept (Samba
 * contend_level2_oplocks). A writer holding W is alone: nothing else caches.
 */
export function breakReadCaching(server: SmbServerState, open: Open): void {
  const file = server.files.get(open.fileKey);
  if (!file || file.holders.size === 0 || (open.holder && open.holder.state & W)) return;
  const own = open.holder?.lease ? open.holder : null;
  void breakOthers(server, file, own, () => 0, false);
}

export function attachHolder(server: SmbServerState, file: FileState, h: CacheHolder, open: Open): void {
  h.opens.add(open);
  open.holder = h;
  file.holders.add(h);
  if (h.lease) server.leases.set(h.lease.id, h);
  if (file.handleKey) server.cachedFiles.set(file.handleKey, file);
}

/** CLOSE (or teardown) of `open`: a holder without opens is gone, and so is its pending break. */
export function detachHolder(server: SmbServerState, open: Open): void {
  const h = open.holder;
  if (!h) return;
  open.holder = null;
  h.opens.delete(open);
  if (h.opens.size > 0) return;
  settleBreak(h, 0);
  h.file.holders.delete(h);
  if (h.lease && server.leases.get(h.lease.id) === h) server.leases.delete(h.lease.id);
  if (h.file.holders.size === 0 && server.cachedFiles.get(h.file.handleKey) === h.file) {
    server.cachedFiles.delete(h.file.handleKey);
  }
}
