/**
 * NFSv4 client records (RFC 8881 §2.4, §18.35; RFC 7530 §9.1.1, §16.33): one per client owner
 * string, found by clientid. A clientid carries this server's boot epoch in its high word, so
 * one from before a restart is recognised as stale (NFS4ERR_STALE_CLIENTID). Records live in
 * memory here; persisting them for reclaim after a restart is the lease/grace module's job.
 * A confirmed record is a connected client (ClientRegistry, the console's list): listed while
 * its lease runs, last active at its last renewal, gone with the record.
 */
import { randomBytes } from "node:crypto";
import type { ClientRegistry } from "../../../../domain/clients.ts";
import { NFS4_CLIENTS_MAX, NFS4ERR_RESOURCE, NFS4ERR_STALE_CLIENTID } from "../constants.ts";
import { Nfs4Error } from "../status.ts";

export interface ClientRecord {
  clientId: bigint;
  /** co_ownerid / nfs_client_id4.id as hex: the client's identity across its reboots. */
  owner: string;
  /** co_verifier: changes when the client reboots. */
  verifier: Buffer;
  /** Who made it (uid@address): only the same principal may replace a confirmed record. */
  principal: string;
  /** The client address it came from (the per-address cap). */
  address: string;
  minorVersion: number;
  confirmed: boolean;
  /** v4.1: the csa_sequenceid CREATE_SESSION expects next (RFC 8881 §18.36.4). */
  createSeq: number;
  /** The last CREATE_SESSION reply, for its replay. */
  createReply: Buffer | null;
  /** v4.0: SETCLIENTID_CONFIRM's verifier. */
  confirmVerifier: Buffer;
  /** Milliseconds timestamp of the last lease renewal (SEQUENCE, RENEW, any stateful v4.0 op). */
  renewedAt: number;
  /** v4.1: RECLAIM_COMPLETE received. */
  reclaimComplete: boolean;
  /** Its ClientRegistry id once confirmed (READ/WRITE bytes are counted there). */
  listedAs: string | null;
  /** The share of its last READ or WRITE (what the connected-clients list shows). */
  share: string | null;
}

export class ClientTable {
  private readonly byId = new Map<bigint, ClientRecord>();
  private readonly byOwner = new Map<string, ClientRecord>();
  private next = 1;
  /** The high word of every clientid this incarnation hands out. */
  readonly epoch: number;

  constructor(
    private readonly now: () => number,
    private readonly registry?: ClientRegistry,
    private readonly leaseMs?: number,
  ) {
    this.epoch = Math.floor(now() / 1000) >>> 0;
  }

  get size(): number {
    return this.byId.size;
  }

  /** The record of `clientId`; STALE_CLIENTID for one this incarnation did not hand out. */
  get(clientId: bigint): ClientRecord {
    const c = this.byId.get(clientId);
    if (c === undefined) throw new Nfs4Error(NFS4ERR_STALE_CLIENTID, `clientid ${clientId.toString(16)}`);
    return c;
  }

  find(clientId: bigint): ClientRecord | undefined {
    return this.byId.get(clientId);
  }

  byOwnerId(owner: string): ClientRecord | undefined {
    return this.byOwner.get(owner);
  }

  all(): IterableIterator<ClientRecord> {
    return this.byId.values();
  }

  /** A new, unconfirmed record for `owner` (replacing none: callers remove the old one first). */
  add(owner: string, verifier: Buffer, principal: string, minorVersion: number, address = ""): ClientRecord {
    if (this.byId.size >= NFS4_CLIENTS_MAX) throw new Nfs4Error(NFS4ERR_RESOURCE, "too many clients");
    const clientId = (BigInt(this.epoch) << 32n) | BigInt(this.next++ >>> 0);
    const c: ClientRecord = {
      clientId,
      owner,
      verifier: Buffer.from(verifier),
      principal,
      address,
      minorVersion,
      confirmed: false,
      createSeq: 1,
      createReply: null,
      confirmVerifier: randomBytes(8),
      renewedAt: this.now(),
      reclaimComplete: false,
      listedAs: null,
      share: null,
    };
    this.byId.set(clientId, c);
    this.byOwner.set(owner, c);
    return c;
  }

  remove(c: ClientRecord): void {
    this.byId.delete(c.clientId);
    if (this.byOwner.get(c.owner) === c) this.byOwner.delete(c.owner);
    if (c.listedAs !== null) this.registry?.remove(c.listedAs);
    c.listedAs = null;
  }

  /** A confirmed client joins the connected-clients list (not listed once its lease lapsed). */
  confirm(c: ClientRecord): void {
    c.confirmed = true;
    if (c.listedAs !== null || this.registry === undefined) return;
    c.listedAs = this.registry.add(
      { protocol: `nfs4.${c.minorVersion}`, address: c.address, share: c.share, user: null },
      this.leaseMs === undefined ? {} : { idleAfterMs: this.leaseMs },
    );
  }

  renew(c: ClientRecord): void {
    c.renewedAt = this.now();
    if (c.listedAs !== null) this.registry?.touch(c.listedAs);
  }

  /** The client's ClientRegistry id for a READ/WRITE on `share` (which it now shows). */
  countFor(c: ClientRecord, share: string): string | undefined {
    if (c.listedAs === null) return undefined;
    if (c.share !== share) {
      c.share = share;
      this.registry?.update(c.listedAs, { share });
    }
    return c.listedAs;
  }
}
