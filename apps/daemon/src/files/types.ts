/**
 * What protocols hand the file service and get back. A protocol decodes its request into one of
 * these, makes one FileService call and encodes the result; the file service orders the
 * metadata and payload steps (validate everything, then change).
 */

import type { ShareInfo } from "../domain/share.ts";
import type { ShareAccess } from "../domain/share-access.ts";
import type { LockKind } from "../metadata/lock-types.ts";
import type { Caller, FileAttr, SetAttrs, Timespec, WccAttr } from "../metadata/types.ts";
import type { Stability } from "../payload/types.ts";

/**
 * One call on one file, resolved once per protocol request: the caller's identity and the share
 * the handle names. Share-level access checks (exported over the protocol, read-only) ran when
 * it was made (FileService.resolve); per-call access control belongs there too.
 */
export interface FileCall {
  readonly caller: Caller;
  readonly handle: Buffer;
  readonly share: ShareInfo;
  /** What the share's access policy allows this caller (NFS calls resolved with a peer). */
  readonly access?: ShareAccess;
  /** The connected client (ClientRegistry id) this call's READ/WRITE bytes are counted for. */
  readonly client?: string;
  /**
   * A named stream of the file the call is on (an SMB open of "file:name", files/streams.ts):
   * reads, writes, sizes, share modes and delete on close go to the stream, the rest to the file.
   */
  readonly stream?: string;
}

/** [MS-FSA] §2.1.5.1 CreateDisposition. */
export type OpenDisposition = "supersede" | "open" | "create" | "open-if" | "overwrite" | "overwrite-if";
export type OpenAction = "superseded" | "opened" | "created" | "overwritten";

/** A byte range to test against other owners' locks before reading or writing it. */
export interface LockProbe {
  owner: string;
  offset: bigint;
  /** Greater than 0 (a POSIX LockRange length 0 would mean "to the end of the file"). */
  length: bigint;
  /** The owner takes Windows locks (SMB): its own shared lock stops its writes. */
  windows?: boolean;
}

export interface WriteRequest {
  /** Byte offset; bigint so a wire value past 2^53 is refused (EFBIG) rather than rounded. */
  offset: bigint;
  data: Buffer;
  stability: Stability;
  /** [MS-SMB2] §3.3.5.13 append-only open: write at the end of the file, whatever `offset` says. */
  append?: boolean;
  /** Range locked by another owner (or a Windows owner's own shared lock) → EAGAIN (SMB: FILE_LOCK_CONFLICT). */
  lock?: Omit<LockProbe, "offset" | "length">;
  /** [MS-FSA] §2.1.5.3: a zero-length write succeeds without touching the file. */
  emptyChangesNothing?: boolean;
  /** Run once validation passed, before the first change (SMB: break other opens' read caching). */
  beforeChange?: () => void;
}

export interface WriteResult {
  before: WccAttr;
  /** Attributes after the write; null when nothing was written (emptyChangesNothing). */
  after: FileAttr | null;
  /** The offset written at (the end of the file for an append). */
  offset: bigint;
  count: number;
}

export interface ReadRequest {
  offset: number;
  /** Bytes wanted; the result is clipped to the file size. */
  count: number;
  /** Range locked exclusively by another owner → EAGAIN (SMB: FILE_LOCK_CONFLICT). */
  lock?: LockProbe & { kind?: LockKind };
  /**
   * The caller becomes a holder of the parts' memory (docs/payload.md "Receive buffers"): it must
   * `releaseAll(held)` exactly once, when nothing reads them any more (a reply's socket write
   * completed or was dropped). Without, the parts escape: their memory is never reused.
   */
  hold?: boolean;
}

export interface ReadResult {
  attr: FileAttr;
  /**
   * At most `count` bytes, in order, as views of the cached blocks (not copied together: a reply
   * sends them by reference; never modify them). A payload shorter than the size (sparse tail)
   * reads as zeros.
   */
  parts: readonly Buffer[];
  /** Bytes in `parts`. */
  length: number;
  /** The read reached the end of the file. */
  eof: boolean;
  /** With `hold`: the buffers to `releaseAll` once nothing reads `parts` any more. */
  held?: readonly Buffer[];
}

export interface SetAttrRequest {
  attrs: SetAttrs;
  /** RFC 1813 §3.3.2 sattrguard3: the file's ctime must still be this (else EINVAL "NOT_SYNC"). */
  guardCtime?: Timespec;
  /** Run once validation passed, before the first change (SMB: break other opens' read caching). */
  beforeChange?: () => void;
}
