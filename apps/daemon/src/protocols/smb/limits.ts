/**
 * The SMB adapter's configuration (adapter.ts reads it from the adapter settings) and the limits
 * the server checks at their boundary (style rule 10): sessions, trees, channels, opens, credits,
 * in-flight requests and bytes, paths and locks.
 */

export interface SmbConfig {
  /** NetBIOS-ish name used in NTLM target info. */
  serverName: string;
  /** Server policy: every authenticated session must sign (§3.3.1.5 RequireMessageSigning). */
  signingRequired: boolean;
  /** Server policy: every session must encrypt (§3.3.1.5 EncryptData + RejectUnencryptedAccess). */
  encryptionRequired: boolean;
  /** Shares (names as in TREE_CONNECT, lower case) whose trees must encrypt (§3.3.1.6 EncryptData). */
  encryptedShares: ReadonlySet<string>;
  /**
   * How long a change from another protocol (NFS, through the file service's change gate) waits for an
   * oplock/lease break acknowledgment before the break counts as acknowledged (oplock-gate.ts).
   */
  crossProtocolBreakWaitMs: number;
  /** How long after the first write through an open its LastWriteTime update waits (write-time.ts). */
  writeTimeUpdateDelayMs: number;
  maxTransactBytes: number;
  maxReadBytes: number;
  maxWriteBytes: number;
  serverGuid: Buffer;
  startTime: Date;
}

export const MAX_SESSIONS_PER_CONNECTION = 64;
export const MAX_TREES_PER_SESSION = 256;
/**
 * Connections one session may be bound to, its first and binds in progress included
 * (§3.3.5.5.2; Windows allows 32). Each channel also takes one of its connection's
 * MAX_SESSIONS_PER_CONNECTION slots (binds in progress count, session-bind.ts sessionSlots), so
 * channels server-wide stay below MAX_SESSIONS_PER_CONNECTION × the adapter's maxConnections.
 */
export const MAX_CHANNELS_PER_SESSION = 32;
/** Sessions a failed re-authentication ended whose signing key is kept to sign their refusals. */
export const MAX_ENDED_SESSIONS = 1024;
export const MAX_OPENS_PER_CONNECTION = 16384;
export const MAX_CREDITS = 8192;
export const MAX_INFLIGHT_FRAMES = 128;
/** Request bytes being processed per connection before the socket is paused. */
export const MAX_INFLIGHT_BYTES = 64 * 1024 * 1024;
export const MAX_PENDING_ASYNC = 1024;
/** Reply bytes queued on a socket before the connection stops starting requests (slow reader). */
export const MAX_OUTBOUND_BYTES = 32 * 1024 * 1024;
export const MAX_PATH_BYTES = 32 * 1024;
export const MAX_LOCKS_PER_REQUEST = 64;
