/**
 * The NFSv4 locking state of one adapter, beside Nfs4State (clients, sessions, open stateids):
 * lock stateids (locks.ts), open share reservations (open-modes.ts), the lease reaper (lease.ts)
 * and the grace period over this daemon's persisted client records (grace.ts). Operations reach
 * it as `env.locking`; Nfs4State calls `clientGone` whenever it forgets a client.
 */
import type { Logger } from "pino";
import type { Nfs4ClientStore } from "../../../../domain/nfs4-clients.ts";
import type { FileService } from "../../../../files/service.ts";
import type { FileCall } from "../../../../files/types.ts";
import type { ClientRecord } from "./clients.ts";
import { GracePeriod } from "./grace.ts";
import { LeaseReaper } from "./lease.ts";
import { clientPrefix, LockStateTable } from "./locks.ts";
import { releaseOpen, reserveOpen, type ShareBits } from "./open-modes.ts";
import type { Nfs4State } from "./state.ts";
import { StateError } from "./state-error.ts";
import type { OpenState } from "./stateids.ts";

export class Nfs4Locking {
  readonly locks: LockStateTable;
  readonly lease: LeaseReaper;
  /** Resolves once the persisted records are read; until then every new open or lock waits. */
  readonly ready: Promise<GracePeriod>;
  private grace: GracePeriod | null = null;
  private readonly dropGrace: () => void;
  /** Open stateids (`other` as hex) holding a file service open reference (holdOpen). */
  private readonly held = new Map<string, { file: FileCall; clientId: bigint }>();

  constructor(
    private readonly state: Nfs4State,
    private readonly files: FileService,
    readonly store: Nfs4ClientStore,
    private readonly logger: Logger,
    now: () => number = Date.now,
  ) {
    this.locks = new LockStateTable(files, state.clients.epoch);
    state.onForget = (c) => this.clientGone(c);
    this.lease = new LeaseReaper({
      leaseSeconds: state.leaseSeconds,
      now,
      clients: () => state.clients.all(),
      expire: async (id) => {
        const c = state.clients.find(id);
        if (c === undefined) return;
        this.logger.info({ clientId: id.toString(16) }, "nfs4 lease expired: state released");
        // File references first: whoever gets the locks next finds an unlinked file gone.
        await this.releaseHeld(id);
        state.forget(c);
        await this.forgetRecord(c);
      },
    });
    this.ready = GracePeriod.begin({ store, graceMs: state.leaseSeconds * 1000, now }).then((g) => {
      this.grace = g;
      if (g.active) this.logger.info({ ms: g.remainingMs }, "nfs4 grace period: clients may reclaim");
      return g;
    });
    // The grace period holds for NLM and SMB locks too (files/locks.ts), from now: until the
    // records are read nobody knows whether there is one.
    const active = () => this.grace === null || this.grace.active;
    this.dropGrace = files.addLockGrace({
      get active() {
        return active();
      },
      over: this.ready.then((g) => g.over),
    });
  }

  start(): void {
    this.lease.start((err) => this.logger.warn({ err }, "nfs4 lease sweep failed"));
    // Prune the records of clients that did not come back once the grace period is over.
    void this.ready
      .then(async (g) => {
        await new Promise((r) => setTimeout(r, g.remainingMs + 1000).unref());
        await g.prune();
      })
      .catch((err) => this.logger.warn({ err }, "nfs4 client records not pruned"));
  }

  stop(): void {
    this.lease.stop();
    this.dropGrace();
  }

  /**
   * A non-reclaim LOCK or a LOCKT: NFS4ERR_GRACE while a grace period runs (or the records are
   * still read), by the file service's grace state (files/locks.ts), which the period is part of.
   */
  checkNewLock(): void {
    if (this.files.inLockGrace()) throw new StateError("GRACE");
  }

  /** A reclaim (CLAIM_PREVIOUS OPEN, LOCK reclaim) by the client `c`. */
  checkReclaim(c: ClientRecord): void {
    if (this.grace === null) throw new StateError("GRACE", "client records not read yet");
    this.grace.checkReclaim(Buffer.from(c.owner, "hex"));
  }

  reclaimComplete(c: ClientRecord): void {
    this.grace?.reclaimComplete(Buffer.from(c.owner, "hex"));
  }

  /** A client confirmed (CREATE_SESSION, SETCLIENTID_CONFIRM): recorded for a reclaim after a restart. */
  async persist(c: ClientRecord): Promise<void> {
    const g = await this.ready;
    await g.confirmed({
      owner: Buffer.from(c.owner, "hex"),
      clientId: c.clientId,
      verifier: c.verifier,
      principal: c.principal.slice(0, 1024),
      minorVersion: c.minorVersion,
      confirmed: true,
      reclaimComplete: false,
    });
  }

  /**
   * OPEN: the open-owner's share reservation grows by `asked` (SHARE_DENIED on conflict; GRACE by
   * the file service's grace rule unless `reclaim`, a CLAIM_PREVIOUS checked by checkReclaim).
   */
  reserveOpen(
    f: FileCall,
    clientId: bigint,
    ownerHex: string,
    asked: ShareBits,
    reclaim: boolean,
  ): ShareBits {
    const held = this.state.stateids.ofOwnerFile(clientId, ownerHex, f.handle);
    const open = { clientId, ownerHex, reclaim };
    return reserveOpen(this.files, f, open, held ?? { access: 0, deny: 0 }, asked);
  }

  /**
   * OPEN, after the stateid is recorded: a new open stateid takes the file service's open
   * reference (FileService.retain), so a file unlinked while open keeps its data until CLOSE or
   * the client's lease ends, as an SMB open does. Past the open-file limit the new stateid and
   * its reservation go again and the OPEN fails.
   */
  holdOpen(f: FileCall, st: OpenState): void {
    const key = st.other.toString("hex");
    if (this.held.has(key)) return;
    try {
      this.files.retain(f);
    } catch (err) {
      this.state.stateids.close(st);
      releaseOpen(this.files, f, { clientId: st.clientId, ownerHex: st.owner });
      throw err;
    }
    this.held.set(key, { file: f, clientId: st.clientId });
  }

  /**
   * CLOSE: the open's reservation, lock stateids and locks go. Returns whether the open held a
   * file reference, which the caller's FileService.close (`retained`) releases.
   */
  closeOpen(f: FileCall, st: OpenState): boolean {
    releaseOpen(this.files, f, { clientId: st.clientId, ownerHex: st.owner });
    this.locks.closeOpen(st.other);
    return this.held.delete(st.other.toString("hex"));
  }

  /** Everything a forgotten client held; its record goes unless it is only being replaced. */
  private clientGone(c: ClientRecord): void {
    this.locks.forgetClient(c.clientId);
    this.files.releaseOwner(clientPrefix(c.clientId));
    void this.releaseHeld(c.clientId);
  }

  /** A forgotten client's file references: an unlinked file's data goes once nobody holds it. */
  private async releaseHeld(clientId: bigint): Promise<void> {
    for (const [key, h] of [...this.held]) {
      if (h.clientId !== clientId) continue;
      this.held.delete(key);
      await this.files
        .close(h.file, { written: false, unlink: () => null, retained: true })
        .catch((err) => this.logger.warn({ err }, "nfs4 open reference not released"));
    }
  }

  /** Its record goes too (lease expired, DESTROY_CLIENTID): it may not reclaim after a restart. */
  async forgetRecord(c: ClientRecord): Promise<void> {
    const g = await this.ready;
    await g.forgotten(Buffer.from(c.owner, "hex"));
  }
}
