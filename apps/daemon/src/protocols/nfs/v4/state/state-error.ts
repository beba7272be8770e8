/**
 * Failures of the NFSv4 lock, open-mode, lease and grace state, named by the NFS4ERR_ status
 * the operation answers (RFC 8881 §15.1): the state modules know nothing of the wire, the ops
 * map `code` to the status number in one place.
 */
export type StateCode =
  | "BAD_STATEID"
  | "OLD_STATEID"
  | "LOCKS_HELD"
  | "INVAL"
  | "OPENMODE"
  | "RESOURCE"
  | "SHARE_DENIED"
  | "GRACE"
  | "NO_GRACE"
  | "RECLAIM_BAD";

export class StateError extends Error {
  constructor(
    readonly code: StateCode,
    message?: string,
  ) {
    super(message === undefined ? code : `${code}: ${message}`);
    this.name = "StateError";
  }
}
