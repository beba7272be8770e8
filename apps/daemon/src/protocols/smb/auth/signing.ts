/**
 * SMB2 message signing ([MS-SMB2] §3.1.4.1) and key derivation ([MS-SMB2] §3.1.4.2, NIST
 * SP800-108 counter mode with HMAC-SHA256, r = 32, L = 128).
 */
import { createHmac } from "node:crypto";
import { SMB2_DIALECT_300, SMB2_DIALECT_311 } from "../constants.ts";
import { aesCmac } from "./cmac.ts";

export const SIGNATURE_OFFSET = 48;
export const SIGNATURE_BYTES = 16;

/** KDF(Ki, Label, Context) → L bits (128, or 256 for the AES-256 cipher keys of §3.3.5.5.3). */
export function smb3Kdf(key: Buffer, label: Buffer, context: Buffer, bits: 128 | 256 = 128): Buffer {
  const h = createHmac("sha256", key);
  h.update(Buffer.from([0, 0, 0, 1]));
  h.update(label);
  h.update(Buffer.from([0]));
  h.update(context);
  const l = Buffer.alloc(4);
  l.writeUInt32BE(bits);
  h.update(l);
  return h.digest().subarray(0, bits / 8);
}

/**
 * The signing key of a session (§3.3.5.5.3): the session key itself for 2.x, KDF-derived for 3.x
 * ("SMB2AESCMAC"/"SmbSign" for 3.0 and 3.0.2, "SMBSigningKey"/preauth hash for 3.1.1).
 */
export function signingKeyFor(dialect: number, sessionKey: Buffer, preauthHash: Buffer | null): Buffer {
  if (dialect < SMB2_DIALECT_300) return sessionKey;
  if (dialect >= SMB2_DIALECT_311) {
    return smb3Kdf(sessionKey, Buffer.from("SMBSigningKey\0", "ascii"), preauthHash ?? Buffer.alloc(64));
  }
  return smb3Kdf(sessionKey, Buffer.from("SMB2AESCMAC\0", "ascii"), Buffer.from("SmbSign\0", "ascii"));
}

/**
 * Signature over one SMB2 message given as parts; the first part starts with the 64-byte header,
 * whose Signature field is treated as zero.
 */
export function computeSignature(dialect: number, key: Buffer, parts: readonly Buffer[]): Buffer {
  const head = Buffer.from(parts[0]!);
  head.fill(0, SIGNATURE_OFFSET, SIGNATURE_OFFSET + SIGNATURE_BYTES);
  const all = [head, ...parts.slice(1)];
  if (dialect >= SMB2_DIALECT_300) return aesCmac(key, all);
  const h = createHmac("sha256", key);
  for (const p of all) h.update(p);
  return h.digest().subarray(0, SIGNATURE_BYTES);
}

/** Writes the signature into the header part in place. */
export function signMessage(dialect: number, key: Buffer, parts: readonly Buffer[]): void {
  computeSignature(dialect, key, parts).copy(parts[0]!, SIGNATURE_OFFSET);
}

export function verifyMessage(dialect: number, key: Buffer, message: Buffer): boolean {
  const expected = computeSignature(dialect, key, [message]);
  return expected.equals(message.subarray(SIGNATURE_OFFSET, SIGNATURE_OFFSET + SIGNATURE_BYTES));
}
