/**
 * The 64-byte SMB2 packet header ([MS-SMB2] §2.2.1.1 async and §2.2.1.2 sync forms).
 */
import {
  SMB2_FLAGS_ASYNC_COMMAND,
  SMB2_FLAGS_SERVER_TO_REDIR,
  SMB2_HEADER_SIZE,
  SMB2_OPLOCK_BREAK,
  SMB2_PROTOCOL_ID,
} from "./constants.ts";
import { STATUS_INVALID_PARAMETER } from "./ntstatus.ts";
import { SmbError } from "./status.ts";

export interface Smb2Header {
  CreditCharge: number;
  /** Status in responses; ChannelSequence (+Reserved) in requests. */
  Status: number;
  Command: number;
  /** CreditRequest in requests, CreditResponse in responses. */
  Credits: number;
  Flags: number;
  NextCommand: number;
  MessageId: bigint;
  /** Sync form only. */
  TreeId: number;
  /** Async form only. */
  AsyncId: bigint;
  SessionId: bigint;
  Signature: Buffer;
}

export function decodeHeader(buf: Buffer): Smb2Header {
  if (buf.length < SMB2_HEADER_SIZE || buf.readUInt32LE(0) !== SMB2_PROTOCOL_ID) {
    throw new SmbError(STATUS_INVALID_PARAMETER, "not an SMB2 header");
  }
  if (buf.readUInt16LE(4) !== SMB2_HEADER_SIZE)
    throw new SmbError(STATUS_INVALID_PARAMETER, "bad header size");
  const Flags = buf.readUInt32LE(16);
  const async = (Flags & SMB2_FLAGS_ASYNC_COMMAND) !== 0;
  return {
    CreditCharge: buf.readUInt16LE(6),
    Status: buf.readUInt32LE(8),
    Command: buf.readUInt16LE(12),
    Credits: buf.readUInt16LE(14),
    Flags,
    NextCommand: buf.readUInt32LE(20),
    MessageId: buf.readBigUInt64LE(24),
    TreeId: async ? 0 : buf.readUInt32LE(36),
    AsyncId: async ? buf.readBigUInt64LE(32) : 0n,
    SessionId: buf.readBigUInt64LE(40),
    Signature: buf.subarray(48, 64),
  };
}

export function encodeHeader(h: Smb2Header): Buffer {
  const b = Buffer.alloc(SMB2_HEADER_SIZE);
  b.writeUInt32LE(SMB2_PROTOCOL_ID, 0);
  b.writeUInt16LE(SMB2_HEADER_SIZE, 4);
  b.writeUInt16LE(h.CreditCharge, 6);
  b.writeUInt32LE(h.Status >>> 0, 8);
  b.writeUInt16LE(h.Command, 12);
  b.writeUInt16LE(h.Credits, 14);
  b.writeUInt32LE(h.Flags >>> 0, 16);
  b.writeUInt32LE(h.NextCommand, 20);
  b.writeBigUInt64LE(h.MessageId, 24);
  if (h.Flags & SMB2_FLAGS_ASYNC_COMMAND) {
    b.writeBigUInt64LE(h.AsyncId, 32);
  } else {
    b.writeUInt32LE(h.TreeId >>> 0, 36);
  }
  b.writeBigUInt64LE(h.SessionId, 40);
  h.Signature.copy(b, 48, 0, 16);
  return b;
}

/** §3.3.4.6/§3.3.4.7: an unsolicited OPLOCK_BREAK has MessageId all ones, no session or tree. */
export function breakNotificationHeader(): Buffer {
  return encodeHeader({
    CreditCharge: 0,
    Status: 0,
    Command: SMB2_OPLOCK_BREAK,
    Credits: 0,
    Flags: SMB2_FLAGS_SERVER_TO_REDIR,
    NextCommand: 0,
    MessageId: 0xffffffffffffffffn,
    TreeId: 0,
    AsyncId: 0n,
    SessionId: 0n,
    Signature: Buffer.alloc(16),
  });
}
