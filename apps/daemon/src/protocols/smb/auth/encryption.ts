/**
 * SMB 3.x encryption ([MS-SMB2] §2.2.41 SMB2 TRANSFORM_HEADER, §3.1.4.3 encrypting a message,
 * §3.3.5.5.3 key derivation): AES-128/256 in CCM (11-byte nonce) or GCM (12-byte nonce) mode, a
 * 16-byte tag in the header's Signature field, and the header from Nonce to SessionId as the
 * associated data. A session's keys come from the SP800-108 KDF that signing uses.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { SMB2_DIALECT_311, SMB2_HEADER_SIZE } from "../constants.ts";
import { smb3Kdf } from "./signing.ts";

/** §2.2.41 ProtocolId 0xFD 'S' 'M' 'B', read little-endian. */
export const SMB2_TRANSFORM_PROTOCOL_ID = 0x424d53fd;
export const TRANSFORM_HEADER_BYTES = 52;
/** The associated data is the header from Nonce (offset 20) to its end (§3.1.4.3). */
const AAD_OFFSET = 20;
const TAG_BYTES = 16;
/** §2.2.41 Flags (3.1.1) / EncryptionAlgorithm (3.0, 3.0.2): both are 0x0001. */
const TRANSFORM_FLAG_ENCRYPTED = 0x0001;

/** §2.2.3.1.2 Cipher ids. */
export const AES_128_CCM = 0x0001;
export const AES_128_GCM = 0x0002;
export const AES_256_CCM = 0x0003;
export const AES_256_GCM = 0x0004;

interface CipherSpec {
  name: "aes-128-ccm" | "aes-128-gcm" | "aes-256-ccm" | "aes-256-gcm";
  bits: 128 | 256;
  nonceBytes: 11 | 12;
  ccm: boolean;
}

const CIPHERS: Record<number, CipherSpec> = {
  [AES_128_CCM]: { name: "aes-128-ccm", bits: 128, nonceBytes: 11, ccm: true },
  [AES_128_GCM]: { name: "aes-128-gcm", bits: 128, nonceBytes: 12, ccm: false },
  [AES_256_CCM]: { name: "aes-256-ccm", bits: 256, nonceBytes: 11, ccm: true },
  [AES_256_GCM]: { name: "aes-256-gcm", bits: 256, nonceBytes: 12, ccm: false },
};

/** The server's preference when a 3.1.1 client offers several (Samba's order: GCM first, 128 first). */
export const SERVER_CIPHER_ORDER = [AES_128_GCM, AES_128_CCM, AES_256_GCM, AES_256_CCM] as const;

function spec(cipher: number): CipherSpec {
  const s = CIPHERS[cipher];
  if (!s) throw new Error(`unknown cipher ${cipher}`);
  return s;
}

const label = (s: string) => Buffer.from(`${s}\0`, "ascii");

/**
 * §3.3.5.5.3: the server's EncryptionKey (server → client) and DecryptionKey (client → server).
 * 3.0/3.0.2: "SMB2AESCCM" with "ServerOut"/"ServerIn " contexts; 3.1.1: "SMBS2CCipherKey" /
 * "SMBC2SCipherKey" with the session's preauth integrity hash; 256 bits for the AES-256 ciphers.
 */
export function cipherKeys(
  dialect: number,
  cipher: number,
  sessionKey: Buffer,
  preauthHash: Buffer | null,
): { encryptionKey: Buffer; decryptionKey: Buffer } {
  const bits = spec(cipher).bits;
  if (dialect >= SMB2_DIALECT_311) {
    const ctx = preauthHash ?? Buffer.alloc(64);
    return {
      encryptionKey: smb3Kdf(sessionKey, label("SMBS2CCipherKey"), ctx, bits),
      decryptionKey: smb3Kdf(sessionKey, label("SMBC2SCipherKey"), ctx, bits),
    };
  }
  return {
    encryptionKey: smb3Kdf(sessionKey, label("SMB2AESCCM"), label("ServerOut"), bits),
    decryptionKey: smb3Kdf(sessionKey, label("SMB2AESCCM"), label("ServerIn "), bits),
  };
}

export interface TransformHeader {
  signature: Buffer;
  nonce: Buffer;
  originalMessageSize: number;
  sessionId: bigint;
  /** Header bytes from Nonce to SessionId (the AEAD's associated data). */
  aad: Buffer;
  ciphertext: Buffer;
}

export class TransformError extends Error {}

/**
 * Parses and length-checks a TRANSFORM_HEADER frame (§3.3.5.2.1.1): OriginalMessageSize must be
 * exactly the bytes that follow, at least one SMB2 header and at most `maxMessageBytes`.
 */
export function decodeTransform(frame: Buffer, maxMessageBytes: number): TransformHeader {
  if (frame.length < TRANSFORM_HEADER_BYTES) throw new TransformError("short TRANSFORM_HEADER");
  if (frame.readUInt32LE(0) !== SMB2_TRANSFORM_PROTOCOL_ID)
    throw new TransformError("not a TRANSFORM_HEADER");
  const originalMessageSize = frame.readUInt32LE(36);
  if (originalMessageSize !== frame.length - TRANSFORM_HEADER_BYTES)
    throw new TransformError("OriginalMessageSize does not match the frame");
  if (originalMessageSize < SMB2_HEADER_SIZE) throw new TransformError("OriginalMessageSize too small");
  if (originalMessageSize > maxMessageBytes) throw new TransformError("OriginalMessageSize too large");
  if (frame.readUInt16LE(42) !== TRANSFORM_FLAG_ENCRYPTED) throw new TransformError("Flags not Encrypted");
  return {
    signature: frame.subarray(4, 20),
    nonce: frame.subarray(20, 36),
    originalMessageSize,
    sessionId: frame.readBigUInt64LE(44),
    aad: frame.subarray(AAD_OFFSET, TRANSFORM_HEADER_BYTES),
    ciphertext: frame.subarray(TRANSFORM_HEADER_BYTES),
  };
}

/** Encrypts one message (or compound chain) given as parts; returns [TRANSFORM_HEADER, ciphertext]. */
export function encryptMessage(
  cipher: number,
  key: Buffer,
  sessionId: bigint,
  nonce: Buffer,
  parts: readonly Buffer[],
): [Buffer, Buffer] {
  const s = spec(cipher);
  const plain = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  const header = Buffer.alloc(TRANSFORM_HEADER_BYTES);
  header.writeUInt32LE(SMB2_TRANSFORM_PROTOCOL_ID, 0);
  nonce.copy(header, 20, 0, s.nonceBytes);
  header.writeUInt32LE(plain.length, 36);
  header.writeUInt16LE(TRANSFORM_FLAG_ENCRYPTED, 42);
  header.writeBigUInt64LE(sessionId, 44);
  const aad = header.subarray(AAD_OFFSET);
  const c = createCipheriv(s.name, key, header.subarray(20, 20 + s.nonceBytes), {
    authTagLength: TAG_BYTES,
  } as never);
  (c as unknown as AeadCipher).setAAD(aad, s.ccm ? { plaintextLength: plain.length } : undefined);
  const out = Buffer.concat([c.update(plain), c.final()]);
  (c as unknown as AeadCipher).getAuthTag().copy(header, 4);
  return [header, out];
}

interface AeadCipher {
  setAAD(aad: Buffer, opts?: { plaintextLength: number }): void;
  getAuthTag(): Buffer;
  setAuthTag(tag: Buffer): void;
}

/** Decrypts a parsed TRANSFORM_HEADER frame; null when the tag does not verify. */
export function decryptMessage(cipher: number, key: Buffer, t: TransformHeader): Buffer | null {
  const s = spec(cipher);
  const d = createDecipheriv(s.name, key, t.nonce.subarray(0, s.nonceBytes), {
    authTagLength: TAG_BYTES,
  } as never);
  const aead = d as unknown as AeadCipher;
  aead.setAuthTag(t.signature);
  aead.setAAD(t.aad, s.ccm ? { plaintextLength: t.ciphertext.length } : undefined);
  try {
    return Buffer.concat([d.update(t.ciphertext), d.final()]);
  } catch {
    return null;
  }
}

/**
 * A session's encryption state: the negotiated cipher, both keys, and a nonce source that never
 * repeats under one key (a 64-bit counter after a random salt, §3.1.4.3 asks for unique nonces).
 */
export class SessionCipher {
  private counter = 0n;
  private readonly salt = randomBytes(4);

  constructor(
    readonly cipher: number,
    readonly encryptionKey: Buffer,
    readonly decryptionKey: Buffer,
  ) {}

  seal(sessionId: bigint, parts: readonly Buffer[]): [Buffer, Buffer] {
    const nonce = Buffer.alloc(16);
    nonce.writeBigUInt64LE(this.counter++, 0);
    this.salt.copy(nonce, 8, 0, spec(this.cipher).nonceBytes - 8);
    return encryptMessage(this.cipher, this.encryptionKey, sessionId, nonce, parts);
  }

  open(t: TransformHeader): Buffer | null {
    return decryptMessage(this.cipher, this.decryptionKey, t);
  }
}
