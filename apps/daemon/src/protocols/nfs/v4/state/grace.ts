/**
 * The grace period after a (re)start (RFC 8881 §8.4.2, RFC 7530 §9.6.2): for one lease time the
 * clients this daemon had recorded (domain/nfs4-clients.ts, persisted in the control store) may
 * reclaim their opens and locks (CLAIM_PREVIOUS, LOCK reclaim) and nobody may take new ones
 * (NFS4ERR_GRACE), so a reclaimed lock cannot have been taken by another client meanwhile. It
 * ends early once every recorded client has said RECLAIM_COMPLETE. A client not recorded gets
 * NFS4ERR_RECLAIM_BAD; a reclaim after the grace period NFS4ERR_NO_GRACE. At its end the records
 * of clients that did not come back are removed (they can never reclaim now).
 */
import type { Nfs4ClientRecord, Nfs4ClientStore } from "../../../../domain/nfs4-clients.ts";
import { StateError } from "./state-error.ts";

export interface GraceOptions {
  store: Nfs4ClientStore;
  /** Usually the lease time (Linux nfsd's grace time defaults to it). */
  graceMs: number;
  now: () => number;
}

const key = (owner: Buffer) => owner.toString("hex");
/** The end-of-period timer never re-checks more often than this. */
const GRACE_RECHECK_MS_MIN = 1000;

export class GracePeriod {
  /** Owners that may reclaim: the confirmed records from before the restart. */
  private readonly previous: Set<string>;
  /** Every owner recorded before the restart (pruned at the end unless back). */
  private readonly loaded: Set<string>;
  /** Previous owners that re-established themselves in this incarnation. */
  private readonly back = new Set<string>();
  private readonly done = new Set<string>();
  private readonly endsAt: number;
  private ended = false;
  private endNow: () => void = () => {};
  /**
   * Resolves when the period ends (its time is up, or every recorded client said
   * RECLAIM_COMPLETE): locks of other protocols waiting it out go on (files/locks.ts).
   */
  readonly over: Promise<void> = new Promise((resolve) => {
    this.endNow = resolve;
  });
  private timer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly o: GraceOptions,
    records: Nfs4ClientRecord[],
  ) {
    this.previous = new Set(records.filter((r) => r.confirmed).map((r) => key(r.owner)));
    this.loaded = new Set(records.map((r) => key(r.owner)));
    this.endsAt = o.now() + o.graceMs;
    // Nobody to wait for: no grace period at all (a fresh daemon serves at once).
    if (this.previous.size === 0) this.end();
    else this.arm();
  }

  /** Checks again when the period should be over (`now` decides, so a test clock is honoured). */
  private arm(): void {
    this.timer = setTimeout(
      () => {
        if (this.active) this.arm();
      },
      Math.max(this.endsAt - this.o.now(), GRACE_RECHECK_MS_MIN),
    ).unref();
  }

  private end(): void {
    this.ended = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.endNow();
  }

  /** Reads the persisted records and starts the grace period. */
  static async begin(o: GraceOptions): Promise<GracePeriod> {
    return new GracePeriod(o, await o.store.list());
  }

  /**
   * True while the period runs. The file service asks it (Nfs4Locking registers it with
   * FileService.addLockGrace): new locks and newly denying share reservations wait meanwhile.
   */
  get active(): boolean {
    if (!this.ended && this.o.now() >= this.endsAt) this.end();
    return !this.ended;
  }

  /** Remaining milliseconds (0 once over). */
  get remainingMs(): number {
    return this.active ? this.endsAt - this.o.now() : 0;
  }

  /** A reclaim by `owner`: NO_GRACE after the period, RECLAIM_BAD for a client not recorded. */
  checkReclaim(owner: Buffer): void {
    if (!this.active) throw new StateError("NO_GRACE");
    const k = key(owner);
    if (this.done.has(k)) throw new StateError("NO_GRACE", "after RECLAIM_COMPLETE");
    if (!this.previous.has(k)) throw new StateError("RECLAIM_BAD");
  }

  /** A client confirmed (CREATE_SESSION, SETCLIENTID_CONFIRM): recorded so it may reclaim later. */
  async confirmed(r: Nfs4ClientRecord): Promise<void> {
    this.back.add(key(r.owner));
    await this.o.store.put({ ...r, confirmed: true, reclaimComplete: false });
  }

  /** RECLAIM_COMPLETE: the owner reclaims no more; the period ends once every recorded one has. */
  reclaimComplete(owner: Buffer): void {
    const k = key(owner);
    this.done.add(k);
    if (!this.ended && [...this.previous].every((p) => this.done.has(p))) this.end();
  }

  /** A client forgotten (lease expired, DESTROY_CLIENTID): its record goes. */
  async forgotten(owner: Buffer): Promise<void> {
    await this.o.store.remove(owner);
  }

  /** After the period: removes the records from before the restart whose clients never came back. */
  async prune(): Promise<number> {
    if (this.active) return 0;
    let n = 0;
    for (const k of this.loaded) {
      if (this.back.has(k)) continue;
      await this.o.store.remove(Buffer.from(k, "hex"));
      n++;
    }
    this.loaded.clear();
    return n;
  }
}
