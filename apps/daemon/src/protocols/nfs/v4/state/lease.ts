/**
 * NFSv4 leases (RFC 8881 §8.3, RFC 7530 §9.5): a client that renews nothing (no SEQUENCE, RENEW
 * or stateful v4.0 op) for the lease time loses its state — opens, share reservations, locks
 * and its persisted record — so other clients (and NLM, SMB) can have them. The sweep runs a few
 * times per lease; a client is expired once its last renewal is a full lease old.
 */

/** Bounds of the lease time (the default, 90 s, is state.ts DEFAULT_LEASE_SECONDS). */
export const LEASE_SECONDS_MIN = 10;
export const LEASE_SECONDS_MAX = 3600;
/** Sweeps per lease time: a lease is reaped at most a quarter lease late. */
const SWEEPS_PER_LEASE = 4;

export interface LeaseHolder {
  clientId: bigint;
  /** Milliseconds timestamp of the last renewal. */
  renewedAt: number;
}

export interface LeaseOptions {
  leaseSeconds: number;
  now: () => number;
  /** The clients holding leases now. */
  clients: () => Iterable<LeaseHolder>;
  /** Drops everything of an expired client (state, locks, reservations, record). */
  expire: (clientId: bigint) => void | Promise<void>;
}

export class LeaseReaper {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly o: LeaseOptions) {
    if (
      !Number.isInteger(o.leaseSeconds) ||
      o.leaseSeconds < LEASE_SECONDS_MIN ||
      o.leaseSeconds > LEASE_SECONDS_MAX
    ) {
      throw new RangeError(
        `lease seconds ${o.leaseSeconds} outside ${LEASE_SECONDS_MIN}..${LEASE_SECONDS_MAX}`,
      );
    }
  }

  get leaseMs(): number {
    return this.o.leaseSeconds * 1000;
  }

  /** True while the client's lease runs (an operation on an expired lease is EXPIRED). */
  live(c: LeaseHolder): boolean {
    return this.o.now() - c.renewedAt < this.leaseMs;
  }

  /** Expires every client whose lease ran out; returns their ids. */
  async sweep(): Promise<bigint[]> {
    const gone = [...this.o.clients()].filter((c) => !this.live(c)).map((c) => c.clientId);
    for (const id of gone) await this.o.expire(id);
    return gone;
  }

  start(onError: (err: unknown) => void): void {
    if (this.timer !== null) return;
    const every = Math.floor(this.leaseMs / SWEEPS_PER_LEASE);
    this.timer = setInterval(() => void this.sweep().catch(onError), every).unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
