/**
 * Open share reservations for every protocol with opens: SMB share modes ([MS-FSA]
 * §2.1.5.1.2.1 "Check sharing access") and NFSv4 OPEN share_access/share_deny (RFC 8881 §9.7).
 * One table per daemon, so an SMB open that does not share writing refuses an NFSv4 OPEN for
 * writing and an NFSv4 OPEN with DENY_WRITE refuses an SMB open for writing.
 *
 * A reservation is what its owner (an SMB open, an NFSv4 open-owner on one file) accesses and
 * what it denies others. Two reservations of different owners conflict when either accesses
 * something the other denies. A reservation that accesses nothing denies nothing: MS-FSA lets
 * an open for attributes only pass every share mode, and NFSv4 always accesses something.
 */
import { FsError } from "../domain/errors.ts";

/** The bits of both `access` and `deny`; the same values as SMB2 FILE_SHARE_READ/WRITE/DELETE. */
export const SHARE_READ = 0x1;
export const SHARE_WRITE = 0x2;
export const SHARE_DELETE = 0x4;
const SHARE_BITS = SHARE_READ | SHARE_WRITE | SHARE_DELETE;

/** Reservations held daemon-wide (each SMB open and NFSv4 open-owner/file pair holds one). */
export const SHARE_RESERVATIONS_MAX = 200_000;

export interface ShareReservation {
  /** Protocol-scoped owner (`smb:<client>:<open>:`, `nfs4:<clientid>:<owner>:`), unique per open. */
  owner: string;
  access: number;
  deny: number;
}

export function reservationsConflict(a: ShareReservation, b: ShareReservation): boolean {
  if (a.owner === b.owner || a.access === 0 || b.access === 0) return false;
  return (a.access & b.deny) !== 0 || (b.access & a.deny) !== 0;
}

function validate(r: ShareReservation): void {
  if ((r.access | r.deny) & ~SHARE_BITS) throw new FsError("EINVAL", "share reservation bits");
}

/** Share reservations keyed by file (a canonical handle, see FileService). */
export class ShareModes {
  private readonly files = new Map<string, ShareReservation[]>();
  /** The named streams' keys ("file:stream", locks.ts fileKey) with reservations, by file key. */
  private readonly streams = new Map<string, Set<string>>();
  private count = 0;

  /**
   * Records `r` for `file`, replacing the owner's earlier reservation on it (an upgrade or a
   * downgrade); EBUSY when another owner's reservation conflicts, with nothing changed.
   */
  reserve(file: string, r: ShareReservation): void {
    validate(r);
    const held = this.files.get(file) ?? [];
    if (held.some((h) => reservationsConflict(h, r)))
      throw new FsError("EBUSY", "share reservation conflict");
    const i = held.findIndex((h) => h.owner === r.owner);
    if (i >= 0) {
      held[i] = { ...r };
      return;
    }
    if (this.count >= SHARE_RESERVATIONS_MAX) throw new FsError("ENOSPC", "too many share reservations");
    held.push({ ...r });
    this.count++;
    if (!this.files.has(file)) this.track(file, true);
    this.files.set(file, held);
  }

  /**
   * Whether a reservation of another owner on one of the file's named streams denies deleting
   * ([MS-FSA] §2.1.5.1.2: an open of the file for DELETE meets every open stream's share mode,
   * since deleting the file deletes its streams; smbtorture smb2.streams.delete).
   */
  streamDeniesDelete(file: string, owner: string): boolean {
    for (const key of this.streams.get(file) ?? []) {
      const held = this.files.get(key) ?? [];
      if (held.some((h) => h.owner !== owner && h.access !== 0 && h.deny & SHARE_DELETE)) return true;
    }
    return false;
  }

  /** Adds or drops a stream key in its file's set (a key without ':' is a file's own). */
  private track(key: string, add: boolean): void {
    const colon = key.indexOf(":");
    if (colon < 0) return;
    const file = key.slice(0, colon);
    const set = this.streams.get(file);
    if (add) {
      if (set) set.add(key);
      else this.streams.set(file, new Set([key]));
    } else if (set?.delete(key) && set.size === 0) this.streams.delete(file);
  }

  /** The first reservation of another owner `r` would conflict with, or null. */
  test(file: string, r: ShareReservation): ShareReservation | null {
    validate(r);
    const hit = this.files.get(file)?.find((h) => reservationsConflict(h, r));
    return hit ? { ...hit } : null;
  }

  release(file: string, owner: string): void {
    const held = this.files.get(file);
    if (held === undefined) return;
    const kept = held.filter((h) => h.owner !== owner);
    this.set(file, held, kept);
  }

  /** Drops every reservation of owners starting with `ownerPrefix` (client gone, lease expired). */
  releaseAll(ownerPrefix: string): void {
    for (const [file, held] of [...this.files]) {
      this.set(
        file,
        held,
        held.filter((h) => !h.owner.startsWith(ownerPrefix)),
      );
    }
  }

  /** The owner's reservation on the file, if it has one. */
  of(file: string, owner: string): Readonly<ShareReservation> | undefined {
    return this.files.get(file)?.find((h) => h.owner === owner);
  }

  held(file: string): ShareReservation[] {
    return (this.files.get(file) ?? []).map((h) => ({ ...h }));
  }

  private set(file: string, before: ShareReservation[], kept: ShareReservation[]): void {
    this.count += kept.length - before.length;
    if (kept.length === 0) {
      this.files.delete(file);
      this.track(file, false);
    } else this.files.set(file, kept);
  }
}
