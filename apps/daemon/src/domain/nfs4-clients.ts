/**
 * Persisted NFSv4 client records (RFC 8881 §8.4.2.1, RFC 7530 §9.6.3.4): which clients held
 * state on this daemon, so that after a crash or restart the ones recorded may reclaim their
 * opens and locks during the grace period and no other client may (a client the server forgot
 * could otherwise reclaim a lock someone took while the server was down). One record per client
 * owner (co_ownerid / nfs_client_id4.id), per daemon: in scale-out each daemon keeps its own
 * (docs/architecture.md "NFSv4 client records"). The NFS protocol holds this interface; the
 * control-plane store (SQLite or PostgreSQL) and a memory store implement it.
 */
import { FsError } from "./errors.ts";

/** RFC 8881 §3.2 NFS4_OPAQUE_LIMIT: the longest client owner and principal kept. */
export const NFS4_CLIENT_OWNER_BYTES_MAX = 1024;
/** Records kept per daemon; a new client past it is refused (NFS4ERR_RESOURCE, not forgotten). */
export const NFS4_CLIENT_RECORDS_MAX = 65_536;

export interface Nfs4ClientRecord {
  /** co_ownerid (v4.1) or nfs_client_id4.id (v4.0): the client's identity across its reboots. */
  owner: Buffer;
  /** The clientid4 the server gave it. */
  clientId: bigint;
  /** co_verifier / nfs_client_id4.verifier: changes when the client reboots (8 bytes). */
  verifier: Buffer;
  /** Who created it (RFC 8881 §2.4: e.g. `unix:1000` for AUTH_SYS); a reclaim must match it. */
  principal: string;
  /** 0, 1 or 2. */
  minorVersion: number;
  /** SETCLIENTID_CONFIRM / CREATE_SESSION done: only confirmed clients may reclaim after a restart. */
  confirmed: boolean;
  /** RECLAIM_COMPLETE (v4.1) or the first non-reclaim OPEN (v4.0) in the current grace period. */
  reclaimComplete: boolean;
}

export interface Nfs4ClientStore {
  /** Every record (at start, to know who may reclaim). */
  list(): Promise<Nfs4ClientRecord[]>;
  /** Creates or replaces the record of `r.owner`; ENOSPC past NFS4_CLIENT_RECORDS_MAX. */
  put(r: Nfs4ClientRecord): Promise<void>;
  /** Forgets a client (lease expired, DESTROY_CLIENTID, not reclaimed in grace); no-op if absent. */
  remove(owner: Buffer): Promise<void>;
}

function validate(r: Nfs4ClientRecord): void {
  if (r.owner.length === 0 || r.owner.length > NFS4_CLIENT_OWNER_BYTES_MAX) {
    throw new FsError("EINVAL", "nfs4 client owner length");
  }
  if (r.verifier.length !== 8) throw new FsError("EINVAL", "nfs4 client verifier length");
  if (Buffer.byteLength(r.principal) > NFS4_CLIENT_OWNER_BYTES_MAX) {
    throw new FsError("EINVAL", "nfs4 client principal length");
  }
  if (r.clientId < 0n || r.clientId >= 1n << 64n) throw new FsError("EINVAL", "nfs4 clientid");
  if (!Number.isInteger(r.minorVersion) || r.minorVersion < 0 || r.minorVersion > 2) {
    throw new FsError("EINVAL", "nfs4 minor version");
  }
}

/** The checks every backend runs before storing a record. */
export function checkNfs4ClientRecord(r: Nfs4ClientRecord, existing: number, replacing: boolean): void {
  validate(r);
  if (!replacing && existing >= NFS4_CLIENT_RECORDS_MAX) throw new FsError("ENOSPC", "too many nfs4 clients");
}

function copy(r: Nfs4ClientRecord): Nfs4ClientRecord {
  return { ...r, owner: Buffer.from(r.owner), verifier: Buffer.from(r.verifier) };
}

/** Records that live as long as the process (tests, a daemon run without a control store). */
export class MemoryNfs4ClientStore implements Nfs4ClientStore {
  private readonly records = new Map<string, Nfs4ClientRecord>();

  async list(): Promise<Nfs4ClientRecord[]> {
    return [...this.records.values()].map(copy);
  }

  async put(r: Nfs4ClientRecord): Promise<void> {
    const key = r.owner.toString("hex");
    checkNfs4ClientRecord(r, this.records.size, this.records.has(key));
    this.records.set(key, copy(r));
  }

  async remove(owner: Buffer): Promise<void> {
    this.records.delete(owner.toString("hex"));
  }
}
