/**
 * Byte-range lock types shared by the per-share LockManager (metadata/lock-manager.ts), the file
 * service and the protocols that lock (NLM, NFSv4 LOCK, SMB LOCK).
 */
export type LockKind = "shared" | "exclusive";

export interface LockRange {
  /** Owner identity, scoped by the protocol (e.g. `nlm:<host>:<svid>` or `smb:<session>:<fileId>`). */
  owner: string;
  kind: LockKind;
  /** Unsigned 64-bit, exact (SMB ranges reach 2^64 - 1). */
  offset: bigint;
  /**
   * POSIX (NLM, NFSv4): 0 means "to the end of the file" (RFC 1813 NLM semantics). Windows: 0 is
   * a zero-byte lock ([MS-FSA] §2.1.4.10).
   */
  length: bigint;
  /**
   * Windows byte-range lock semantics (SMB, one owner per open): the owner's locks stack instead
   * of merging, unlock takes one lock of exactly the range, and the owner's own locks conflict
   * except a shared lock over its exclusive one (metadata/lock-manager.ts). Absent: POSIX.
   */
  windows?: boolean;
}
