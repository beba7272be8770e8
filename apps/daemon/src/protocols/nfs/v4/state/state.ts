/**
 * The NFSv4 server state of one adapter: client records, v4.1 sessions and open stateids, with
 * the client-identity rules of EXCHANGE_ID (RFC 8881 §18.35.5), CREATE_SESSION (§18.36.4) and
 * SETCLIENTID/SETCLIENTID_CONFIRM (RFC 7530 §16.33–34) in one place. Operations call this; the
 * tables below it (clients.ts, sessions.ts, stateids.ts) know nothing of the wire.
 *
 * Not here yet (the locking/lease module builds on this interface): lease expiry, the grace
 * period, persisted client records, lock stateids and share-mode enforcement.
 */
import { randomBytes } from "node:crypto";
import type { ClientRegistry } from "../../../../domain/clients.ts";
import type { CallContext } from "../../rpc/program.ts";
import {
  NFS4_CLIENTS_MAX,
  NFS4_CLIENTS_PER_ADDRESS_MAX,
  NFS4_REPLY_CACHE_PER_CLIENT_MAX,
  NFS4_REPLY_CACHE_TOTAL_MAX,
  NFS4_SESSIONS_PER_CLIENT_MAX,
  NFS4ERR_BADSESSION,
  NFS4ERR_CLIENTID_BUSY,
  NFS4ERR_RESOURCE,
  NFS4ERR_SEQ_MISORDERED,
  NFS4ERR_STALE_CLIENTID,
} from "../constants.ts";
import { Nfs4Error } from "../status.ts";
import { type ClientRecord, ClientTable } from "./clients.ts";
import { OwnerSeqids } from "./owner-seqids.ts";
import { type ChannelAttrs, newSession, type Session } from "./sessions.ts";
import { StateidTable } from "./stateids.ts";

export const DEFAULT_LEASE_SECONDS = 90;

/** What a session's slots may cache (RFC 8881 §2.10.6.1.3): one reply each, at most the granted size. */
const replyCacheOf = (s: Session) => s.slots.length * s.fore.maxResponseSizeCached;

export interface Nfs4StateOptions {
  leaseSeconds?: number;
  now?: () => number;
  /** Where confirmed clients are listed as connected (the adapter's ctx.clients). */
  registry?: ClientRegistry;
}

/** What EXCHANGE_ID / SETCLIENTID carry about a client. */
export interface ClientIntro {
  /** co_ownerid / nfs_client_id4.id. */
  owner: Buffer;
  /** co_verifier / nfs_client_id4.verifier: changes when the client reboots. */
  verifier: Buffer;
  /** The COMPOUND's minor version (0: SETCLIENTID's rules). */
  minor: number;
}

export class Nfs4State {
  readonly clients: ClientTable;
  readonly stateids: StateidTable;
  /** v4.0 open-owner and lock-owner seqids with each owner's last result (RFC 7530 §9.1.7). */
  readonly owners = new OwnerSeqids();
  private readonly sessions = new Map<string, Session>();
  /** Reply-cache bytes granted to the sessions (replyCacheOf each). */
  private replyCacheBytes = 0;
  readonly leaseSeconds: number;
  /** Called for every client forgotten: its locks and share reservations go (locking.ts). */
  onForget: ((c: ClientRecord) => void) | null = null;
  /** so_major_id / server_scope (RFC 8881 §2.5): one server, stable for this incarnation. */
  readonly serverOwner = Buffer.from("dittofs");
  /** RFC 7530 §16.33: changes with every start, so clients know the server rebooted. */
  readonly bootVerifier: Buffer = randomBytes(8);

  constructor(opts: Nfs4StateOptions = {}) {
    const now = opts.now ?? Date.now;
    this.leaseSeconds = opts.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
    this.clients = new ClientTable(now, opts.registry, this.leaseSeconds * 1000);
    this.stateids = new StateidTable(this.clients.epoch);
  }

  /**
   * A client introducing itself: v4.1+ EXCHANGE_ID (RFC 8881 §18.35.5, the cases a client
   * without SP4 protection meets) and v4.0 SETCLIENTID (RFC 7530 §16.33.5) find or make its
   * record by owner string the same way; they differ in which older record survives.
   */
  introduce(i: ClientIntro, from: Pick<CallContext, "auth" | "remoteAddress">): ClientRecord {
    const owner = i.owner.toString("hex");
    const had = this.clients.byOwnerId(owner);
    const sameBoot = had?.verifier.equals(i.verifier) === true;
    if (i.minor >= 1) {
      if (had?.confirmed && sameBoot) return had;
      // A new client, an unconfirmed record replaced, or a client that rebooted (new verifier):
      // its old state goes (state/grace.ts keeps what a restarted server may see reclaimed).
      if (had !== undefined) this.forget(had);
    } else {
      // v4.0: the same verifier again gets a new confirm verifier; a rebooted client's
      // confirmed record stays until SETCLIENTID_CONFIRM of the new one (confirmClientId).
      if (had !== undefined && sameBoot) {
        had.confirmVerifier = randomBytes(8);
        return had;
      }
      if (had !== undefined && !had.confirmed) this.forget(had);
    }
    // Who introduced it: only the same principal may replace a confirmed record.
    const principal = `${from.auth?.uid ?? "none"}@${from.remoteAddress}`;
    this.makeRoom(from.remoteAddress);
    return this.clients.add(owner, i.verifier, principal, i.minor, from.remoteAddress);
  }

  /**
   * Room for a new record from `address` under NFS4_CLIENTS_PER_ADDRESS_MAX and a fair share of
   * NFS4_CLIENTS_MAX (domain/fair-map.ts: an address's own records count twice against the total,
   * so a few addresses cannot hold every record): past a cap the record least worth keeping goes
   * (the same address's first), as an idle connection makes room for a new one
   * (transport/guard.ts): an unconfirmed one, else the longest-silent confirmed one without opens
   * (its client recovers with a new EXCHANGE_ID or SETCLIENTID, RFC 8881 §2.10.13). Only when
   * every candidate holds opens is the newcomer refused.
   */
  private makeRoom(address: string): void {
    const all = [...this.clients.all()];
    const mine = all.filter((c) => c.address === address);
    if (mine.length >= NFS4_CLIENTS_PER_ADDRESS_MAX) this.evictOne(mine, "from this address");
    else if (mine.length > 0 && this.clients.size + mine.length >= NFS4_CLIENTS_MAX)
      this.evictOne(mine, "from this address");
    if (this.clients.size >= NFS4_CLIENTS_MAX) this.evictOne(all, "");
  }

  private evictOne(from: ClientRecord[], which: string): void {
    const victim =
      from.find((c) => !c.confirmed) ??
      from
        .filter((c) => this.stateids.countOf(c.clientId) === 0)
        .sort((a, b) => a.renewedAt - b.renewedAt)[0];
    if (victim === undefined) throw new Nfs4Error(NFS4ERR_RESOURCE, `too many clients ${which}`.trim());
    this.forget(victim);
  }

  /** RFC 8881 §18.36.4: replay of the last CREATE_SESSION, or a new session (confirming the client). */
  createSession(
    clientId: bigint,
    seq: number,
    make: { fore: ChannelAttrs; back: ChannelAttrs; flags: number },
  ): { replay: Buffer } | { session: Session } {
    const c = this.clients.get(clientId);
    if (seq === (c.createSeq - 1) >>> 0 && c.createReply !== null) return { replay: c.createReply };
    if (seq !== c.createSeq) throw new Nfs4Error(NFS4ERR_SEQ_MISORDERED, `create_session seq ${seq}`);
    if (this.sessionsOf(c).length >= NFS4_SESSIONS_PER_CLIENT_MAX) {
      throw new Nfs4Error(NFS4ERR_RESOURCE, "too many sessions");
    }
    const s = newSession(c, this.fitReplyCache(c, make.fore), make.back, make.flags);
    this.sessions.set(s.id.toString("hex"), s);
    this.replyCacheBytes += replyCacheOf(s);
    this.clients.confirm(c);
    c.createSeq = (c.createSeq + 1) >>> 0;
    this.clients.renew(c);
    return { session: s };
  }

  /**
   * The fore channel with as many slots as the reply cache has room for, of what was asked
   * (NFS4_REPLY_CACHE_TOTAL_MAX, NFS4_REPLY_CACHE_PER_CLIENT_MAX); at least one slot.
   */
  private fitReplyCache(c: ClientRecord, fore: ChannelAttrs): ChannelAttrs {
    const held = this.sessionsOf(c).reduce((n, s) => n + replyCacheOf(s), 0);
    const room = Math.min(
      NFS4_REPLY_CACHE_TOTAL_MAX - this.replyCacheBytes,
      NFS4_REPLY_CACHE_PER_CLIENT_MAX - held,
    );
    const fit = Math.floor(Math.max(0, room) / Math.max(1, fore.maxResponseSizeCached));
    return { ...fore, maxRequests: Math.max(1, Math.min(fore.maxRequests, fit)) };
  }

  /** Keeps the encoded CREATE_SESSION result for a retry of the same sequence id. */
  keepCreateReply(c: ClientRecord, reply: Buffer): void {
    c.createReply = reply;
  }

  session(id: Buffer): Session {
    const s = this.sessions.get(id.toString("hex"));
    if (s === undefined) throw new Nfs4Error(NFS4ERR_BADSESSION);
    return s;
  }

  destroySession(id: Buffer): void {
    this.drop(this.session(id));
  }

  private drop(s: Session): void {
    if (this.sessions.delete(s.id.toString("hex"))) this.replyCacheBytes -= replyCacheOf(s);
  }

  sessionsOf(c: ClientRecord): Session[] {
    return [...this.sessions.values()].filter((s) => s.client === c);
  }

  /** RFC 8881 §18.50: only a client without sessions may go. */
  destroyClient(clientId: bigint): void {
    const c = this.clients.get(clientId);
    if (this.sessionsOf(c).length > 0) throw new Nfs4Error(NFS4ERR_CLIENTID_BUSY);
    this.forget(c);
  }

  /** v4.0 SETCLIENTID_CONFIRM: older records of the same owner (and their opens) go. */
  confirmClientId(clientId: bigint, verifier: Buffer): void {
    const c = this.clients.get(clientId);
    if (!c.confirmVerifier.equals(verifier)) throw new Nfs4Error(NFS4ERR_STALE_CLIENTID, "confirm verifier");
    for (const other of [...this.clients.all()]) {
      if (other !== c && other.owner === c.owner) this.forget(other);
    }
    this.clients.confirm(c);
    this.clients.renew(c);
  }

  /** v4.0 RENEW and every stateful v4.0 operation. */
  renew(clientId: bigint): ClientRecord {
    const c = this.clients.get(clientId);
    if (!c.confirmed) throw new Nfs4Error(NFS4ERR_STALE_CLIENTID, "unconfirmed");
    this.clients.renew(c);
    return c;
  }

  /** Drops a client with its sessions and opens. */
  forget(c: ClientRecord): void {
    for (const s of this.sessionsOf(c)) this.drop(s);
    for (const st of this.stateids.ofClient(c.clientId)) this.stateids.close(st);
    this.owners.dropClient(c.clientId);
    this.clients.remove(c);
    this.onForget?.(c);
  }
}
