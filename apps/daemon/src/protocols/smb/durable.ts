/**
 * Durable handles v1 and v2 ([MS-SMB2] §3.3.5.9.6 DHnQ, §3.3.5.9.7 DHnC, §3.3.5.9.10 DH2Q,
 * §3.3.5.9.12 DH2C; persistent handles are not offered). A durable open outlives its connection
 * (and a LOGOFF) for its timeout, keeping its oplock or lease, its byte-range locks, its share
 * reservation and the file service's open reference; a CREATE with a reconnect context from the
 * same user (and ClientGuid, for a lease) takes it over on its new connection with the same
 * FileId, and the scavenger closes it when the timeout passes first. As Samba and Windows do
 * (smbtorture smb2.durable-open.oplock/.lease/.open2-*), a CREATE that would have to break a
 * disconnected open's caching or that conflicts with its share mode closes it instead of waiting
 * for a client that cannot answer.
 */

import type { FileAttr } from "../../metadata/types.ts";
import { fileCall } from "./calls.ts";
import { releaseOpen } from "./commands/close.ts";
import type { CreateContext } from "./create-contexts.ts";
import {
  leaseResponseContext,
  SMB2_LEASE_FLAG_BREAK_IN_PROGRESS,
  SMB2_LEASE_HANDLE_CACHING,
  SMB2_LEASE_WRITE_CACHING,
  SMB2_OPLOCK_LEVEL_BATCH,
  SMB2_OPLOCK_LEVEL_LEASE,
} from "./leases.ts";
import { STATUS_ACCESS_DENIED, STATUS_INVALID_PARAMETER, STATUS_OBJECT_NAME_NOT_FOUND } from "./ntstatus.ts";
import { shareConflict } from "./opens.ts";
import { type CachingRequest, cachingRequest, isStatOpen } from "./oplock-grant.ts";
import { oplockLevel } from "./oplocks.ts";
import type { SmbRequest } from "./request.ts";
import { type FileState, isDisconnected, type Open, type SmbServerState } from "./state.ts";
import { SmbError } from "./status.ts";
import { SmbReader, SmbWriter } from "./wire.ts";

/** DHnQ opens live this long after their connection (Samba's 16 minutes; v1 names no timeout). */
const DURABLE_V1_TIMEOUT_MS = 16 * 60 * 1000;
/** DH2Q with Timeout 0 gets Windows 2012's (and Samba's) 60 s; a larger request is capped at 300 s. */
const DURABLE_V2_DEFAULT_TIMEOUT_MS = 60_000;
const DURABLE_V2_MAX_TIMEOUT_MS = 300_000;
/** Durable opens server-wide; past this, new opens are granted without durability. */

const DHNQ = "DHnQ";
const DHNC = "DHnC";
const DH2Q = "DH2Q";
const DH2C = "DH2C";

export type DurableRequest =
  | { kind: "none" }
  /** DHnQ (v1) or DH2Q (v2) asks for a durable open. */
  | { kind: "open"; timeoutMs: number; createGuid: Buffer; v2: boolean }
  /** DHnC (v1) or DH2C (v2) reconnects to a disconnected durable open. */
  | { kind: "reconnect"; persistentId: bigint; createGuid: Buffer | null };

function size(ctx: CreateContext, bytes: number): void {
  if (ctx.data.length !== bytes) throw new SmbError(STATUS_INVALID_PARAMETER, `${ctx.name} length`);
}

/**
 * The durable contexts of a CREATE, checked as Samba checks them: two that contradict each other
 * are INVALID_PARAMETER; a reconnect with any other context than the lease (and, for v1, a
 * DHnQ that is ignored) is OBJECT_NAME_NOT_FOUND (§3.3.5.9.7, §3.3.5.9.12).
 */
export function parseDurable(contexts: CreateContext[]): DurableRequest {
  const find = (name: string) => contexts.find((c) => c.name === name);
  const dhnq = find(DHNQ);
  const dhnc = find(DHNC);
  const dh2q = find(DH2Q);
  const dh2c = find(DH2C);
  if ((dhnc && (dh2c || dh2q)) || (dh2c && (dhnq || dh2q)))
    throw new SmbError(STATUS_INVALID_PARAMETER, "contradicting durable contexts");
  // Besides the lease, a reconnect may carry QFid, a query only: the Linux client sends it with
  // its DHnC (it would otherwise never get its open back, and fall back to opening by path).
  const allowed = (find("RqLs") ? 1 : 0) + (find("QFid") ? 1 : 0);
  if (dhnc) {
    size(dhnc, 16);
    if (contexts.length !== 1 + allowed + (dhnq ? 1 : 0))
      throw new SmbError(STATUS_OBJECT_NAME_NOT_FOUND, "DHnC with other contexts");
    return { kind: "reconnect", persistentId: dhnc.data.readBigUInt64LE(0), createGuid: null };
  }
  if (dh2c) {
    size(dh2c, 36);
    if (contexts.length !== 1 + allowed)
      throw new SmbError(STATUS_OBJECT_NAME_NOT_FOUND, "DH2C with other contexts");
    const r = new SmbReader(dh2c.data, 0);
    const persistentId = r.u64();
    r.u64(); // Volatile part: the open is found by its persistent FileId
    return { kind: "reconnect", persistentId, createGuid: Buffer.from(r.bytes(16)) };
  }
  if (dhnq && dh2q) throw new SmbError(STATUS_INVALID_PARAMETER, "DHnQ with DH2Q");
  if (dhnq) {
    size(dhnq, 16);
    // A v1 open's CreateGuid is all zeros (a DH2C naming it must send zeros, as Samba's).
    return { kind: "open", timeoutMs: DURABLE_V1_TIMEOUT_MS, createGuid: Buffer.alloc(16), v2: false };
  }
  if (dh2q) {
    size(dh2q, 32);
    const asked = dh2q.data.readUInt32LE(0);
    const timeoutMs =
      asked === 0 ? DURABLE_V2_DEFAULT_TIMEOUT_MS : Math.min(asked, DURABLE_V2_MAX_TIMEOUT_MS);
    return { kind: "open", timeoutMs, createGuid: Buffer.from(dh2q.data.subarray(16, 32)), v2: true };
  }
  return { kind: "none" };
}

/**
 * §3.3.5.9.6 / §3.3.5.9.10: the open becomes durable when it got a batch oplock or a lease with
 * handle caching (and is a file: directories would need persistent handles). Returns the
 * response context (DHnQ: 8 reserved bytes; DH2Q: Timeout and Flags) or null.
 */
export function grantDurable(
  server: SmbServerState,
  open: Open,
  d: DurableRequest,
  level: number,
  allocation: bigint,
): CreateContext | null {
  if (d.kind !== "open" || open.isDir || !server.durableOpens.admits(open.conn.remoteAddress)) return null;
  const lease = level === SMB2_OPLOCK_LEVEL_LEASE && (open.holder?.state ?? 0) & SMB2_LEASE_HANDLE_CACHING;
  if (level !== SMB2_OPLOCK_LEVEL_BATCH && !lease) return null;
  open.durable = {
    timeoutMs: d.timeoutMs,
    createGuid: d.createGuid,
    allocation,
    scavenger: null,
  };
  // Counted against the address that made it, wherever it reconnects from.
  server.durableOpens.set(open.persistentId, open, open.conn.remoteAddress);
  if (!d.v2) return { name: DHNQ, data: Buffer.alloc(8) };
  // Flags 0: never SMB2_DHANDLE_FLAG_PERSISTENT (no share is continuously available).
  return { name: DH2Q, data: new SmbWriter(8).u32(d.timeoutMs).u32(0).finish() };
}

/** FSCTL_LMR_REQUEST_RESILIENCY with Timeout 0: Windows servers hold a resilient open 120 s (<389>). */
export const RESILIENCY_DEFAULT_TIMEOUT_MS = 120_000;
/** MaxResiliencyTimeout (§3.3.5.15.9): a longer request is INVALID_PARAMETER; the v2 durable cap. */
export const RESILIENCY_MAX_TIMEOUT_MS = DURABLE_V2_MAX_TIMEOUT_MS;

/**
 * §3.3.5.15.9: the open becomes resilient (Open.IsResilient) for `timeoutMs` (0: the default).
 * Its LOCKs are then checked for replays (lock-sequence.ts), and it outlives its connection as a
 * durable open does — the same DurableState and scavenger, reconnected by DHnC, which
 * §3.3.5.9.7 accepts for a resilient open — whatever its oplock. `allocation` is what a
 * reconnect answers. False past the client address's share of the durable opens (state.ts).
 */
export function grantResiliency(
  server: SmbServerState,
  open: Open,
  timeoutMs: number,
  allocation: bigint,
): boolean {
  const ms = timeoutMs === 0 ? RESILIENCY_DEFAULT_TIMEOUT_MS : timeoutMs;
  if (open.durable) {
    open.durable.timeoutMs = ms;
  } else {
    if (!server.durableOpens.admits(open.conn.remoteAddress)) return false;
    open.durable = { timeoutMs: ms, createGuid: null, allocation, scavenger: null };
    server.durableOpens.set(open.persistentId, open, open.conn.remoteAddress);
  }
  open.resilient = true;
  return true;
}

/**
 * The open on a LOGOFF or a lost connection (§3.3.7.1), already out of its connection's table:
 * when durable, pending lock requests end and the scavenger starts, the rest (caching, locks,
 * share reservation, the file service's reference) stays for a reconnect, and true is returned;
 * false means the caller closes it.
 */
export function disconnectDurable(server: SmbServerState, open: Open): boolean {
  const d = open.durable;
  // A break in progress cannot be acknowledged any more: the open goes, and the waiting open
  // proceeds (smbtorture smb2.durable-open.oplock: Windows and Samba answer it at once).
  if (!d || open.holder?.breaking) return false;
  for (const w of open.lockWaiters) w.abort();
  d.scavenger = setTimeout(() => {
    server.ctx.logger.debug({ fileId: String(open.persistentId) }, "smb: durable open timed out");
    void scavenge(server, open);
  }, d.timeoutMs);
  d.scavenger.unref();
  return true;
}

/** Closes a disconnected durable open now (its timeout passed, or another open needs the file). */
async function scavenge(server: SmbServerState, open: Open): Promise<void> {
  if (!isDisconnected(open) || server.durableOpens.get(open.persistentId) !== open) return;
  await releaseOpen(server, open).catch((e) =>
    server.ctx.logger.warn({ err: e }, "smb: closing a durable open failed"),
  );
}

/** The new open purgeDisconnected weighs against disconnected ones. */
interface NewOpen {
  access: number;
  share: number;
  overwrite: boolean;
  leaseId: string | null;
}

/**
 * Before a new open of `file` breaks anything: disconnected durable opens it conflicts with are
 * closed (a break could never be acknowledged). It conflicts by share mode, or by needing to
 * break write caching (any data access) or everything (an overwrite). True when one of them was
 * delete-on-close: the file is gone and the CREATE starts over (RetryCreate).
 */
export async function purgeDisconnected(
  server: SmbServerState,
  file: FileState,
  n: NewOpen,
): Promise<boolean> {
  if (server.durableOpens.size === 0) return false;
  let deleted = false;
  for (const open of [...file.opens]) {
    if (!isDisconnected(open)) continue;
    const h = open.holder;
    if (h?.lease && h.lease.id === n.leaseId) continue;
    const state = h?.state ?? 0;
    const breaks =
      !isStatOpen(n.access, h?.lease != null) && (state & SMB2_LEASE_WRITE_CACHING || (n.overwrite && state));
    if (!breaks && !shareConflict(open, n.access, n.share)) continue;
    deleted ||= open.deleteOnClose || file.deletePending;
    await scavenge(server, open);
  }
  return deleted;
}

/** Thrown by CREATE's admission after purgeDisconnected deleted the file: the open is retried once. */
export class RetryCreate extends Error {}

/**
 * Only the user who made a disconnected open may take it over, on the same share: by reconnect
 * (DHnC/DH2C) or by a CREATE replay, whose GUIDs a peer may have seen on the wire.
 */
export function checkTakeover(req: SmbRequest, open: Open): void {
  if (req.requireSession().principal?.username !== open.session.principal?.username)
    throw new SmbError(STATUS_ACCESS_DENIED, "durable open of another user");
  if (req.requireTree().share.name !== open.tree.share.name)
    throw new SmbError(STATUS_OBJECT_NAME_NOT_FOUND, "durable open of another share");
}

/** Why a reconnect fails: the statuses Samba answers ([MS-SMB2] §3.3.5.9.7, §3.3.5.9.12). */
function checkReconnect(
  req: SmbRequest,
  open: Open,
  d: DurableRequest & { kind: "reconnect" },
  cr: CachingRequest,
  name: string,
): void {
  const durable = open.durable!;
  if (d.createGuid && !durable.createGuid?.equals(d.createGuid))
    throw new SmbError(STATUS_OBJECT_NAME_NOT_FOUND, "CreateGuid differs");
  checkTakeover(req, open);
  const lease = open.holder?.lease ?? null;
  if (!cr.lease !== !lease || (lease && lease.id !== cr.leaseId))
    throw new SmbError(STATUS_OBJECT_NAME_NOT_FOUND, "lease differs from the durable open's");
  // Samba checks the name only with a lease: the lease key names one file.
  if (lease && name.toLowerCase() !== open.path.toLowerCase())
    throw new SmbError(STATUS_INVALID_PARAMETER, "lease reconnect names another file");
}

/**
 * DHnC / DH2C: the disconnected durable open `d` names moves to this request's session, tree
 * and connection, keeping its FileId. Returns it; the caller answers the CREATE from it.
 */
function takeOver(
  req: SmbRequest,
  d: DurableRequest & { kind: "reconnect" },
  cr: CachingRequest,
  name: string,
): Open {
  const open = req.server.durableOpens.get(d.persistentId);
  if (!open || !isDisconnected(open))
    throw new SmbError(STATUS_OBJECT_NAME_NOT_FOUND, "no disconnected durable open");
  checkReconnect(req, open, d, cr, name);
  adopt(req, open);
  return open;
}

/** A disconnected durable open moves to this request's session, tree and connection. */
export function adopt(req: SmbRequest, open: Open): void {
  const durable = open.durable!;
  clearTimeout(durable.scavenger!);
  durable.scavenger = null;
  open.session = req.requireSession();
  open.tree = req.requireTree();
  open.conn = req.conn;
  req.conn.opens.set(open.volatileId, open);
  req.compound.fileId = { persistent: open.persistentId, volatile: open.volatileId };
}

interface Reconnected {
  open: Open;
  attr: FileAttr;
  /** The oplock level to answer (SMB2_OPLOCK_LEVEL_LEASE with a lease). */
  level: number;
  /** The lease response context, if the open has a lease. */
  contexts: CreateContext[];
}

/**
 * A CREATE with DHnC or DH2C: every other field of the request is ignored (smbtorture
 * smb2.durable-open.reopen2 sends garbage in them). The reply carries the open's current oplock
 * or lease state and no durable context (as Samba answers).
 */
export async function reconnectCreate(
  req: SmbRequest,
  d: DurableRequest & { kind: "reconnect" },
  name: string,
  contexts: CreateContext[],
): Promise<Reconnected> {
  const cr = cachingRequest(req, SMB2_OPLOCK_LEVEL_LEASE, contexts);
  const open = takeOver(req, d, cr, name);
  const attr = await req.server.ctx.files.getattr(fileCall(open));
  const h = open.holder;
  if (!h?.lease) return { open, attr, level: oplockLevel(h?.state ?? 0), contexts: [] };
  const l = h.lease;
  const flags = h.breaking ? SMB2_LEASE_FLAG_BREAK_IN_PROGRESS : 0;
  const grant = {
    key: l.key,
    state: h.state,
    flags,
    version: l.version,
    parentKey: l.parentKey,
    epoch: l.epoch,
  };
  return { open, attr, level: SMB2_OPLOCK_LEVEL_LEASE, contexts: [leaseResponseContext(grant)] };
}
