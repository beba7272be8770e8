/**
 * SMB2 message signing ([MS-SMB2] §3.1.4.1) with HMAC-SHA256, AES-CMAC or AES-GMAC, and key
 * derivation ([MS-SMB2] §3.1.4.2, NIST SP800-108 counter mode with HMAC-SHA256, r = 32, L = 128).
 * A key carries its algorithm: a session signs with the algorithm of the connection it was
 * established on, also on a bound channel or in a refusal sent on another connection.
 */
import { createCipheriv, createHmac } from "node:crypto";
import {
  SIGNING_ALG_AES_CMAC,
  SIGNING_ALG_AES_GMAC,
  SIGNING_ALG_HMAC_SHA256,
  SMB2_CANCEL,
  SMB2_DIALECT_300,
  SMB2_DIALECT_311,
  SMB2_FLAGS_ASYNC_COMMAND,
  SMB2_FLAGS_SERVER_TO_REDIR,
} from "../constants.ts";
import { aesCmac } from "./cmac.ts";

/** A signing key with its algorithm (§3.3.1.8 Session.SigningKey, Connection.SigningAlgorithmId). */
export interface SigningKey {
  key: Buffer;
  algorithm: number;
}

/** §3.3.5.4: HMAC-SHA256 below 3.0, AES-CMAC for 3.x unless a 3.1.1 context picks another. */
export function defaultSigningAlgorithm(dialect: number): number {
  return dialect >= SMB2_DIALECT_300 ? SIGNING_ALG_AES_CMAC : SIGNING_ALG_HMAC_SHA256;
}

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
 * §3.1.4.1 AES-GMAC: AES-128-GCM over no plaintext with the message as additional data; the
 * 12-byte nonce is the MessageId and then a word whose bit 0 says "sent by the server" and bit 1
 * "a CANCEL request".
 */
function aesGmac(key: Buffer, parts: readonly Buffer[]): Buffer {
  const head = parts[0]!;
  const nonce = Buffer.alloc(12);
  head.copy(nonce, 0, 24, 32);
  const flags = head.readUInt32LE(16);
  let role = flags & SMB2_FLAGS_SERVER_TO_REDIR;
  if (head.readUInt16LE(12) === SMB2_CANCEL) role |= SMB2_FLAGS_ASYNC_COMMAND;
  nonce.writeUInt32LE(role, 8);
  const gcm = createCipheriv("aes-128-gcm", key.subarray(0, 16), nonce);
  for (const p of parts) gcm.setAAD(p);
  gcm.final();
  return gcm.getAuthTag();
}

/**
 * Signature over one SMB2 message given as parts; the first part starts with the 64-byte header,
 * whose Signature field is treated as zero.
 */
export function computeSignature(signer: SigningKey, parts: readonly Buffer[]): Buffer {
  const head = Buffer.from(parts[0]!);
  head.fill(0, SIGNATURE_OFFSET, SIGNATURE_OFFSET + SIGNATURE_BYTES);
  const all = [head, ...parts.slice(1)];
  if (signer.algorithm === SIGNING_ALG_AES_GMAC) return aesGmac(signer.key, all);
  if (signer.algorithm === SIGNING_ALG_AES_CMAC) return aesCmac(signer.key, all);
  const h = createHmac("sha256", signer.key);
  for (const p of all) h.update(p);
  return h.digest().subarray(0, SIGNATURE_BYTES);
}

/** Writes the signature into the header part in place. */
export function signMessage(signer: SigningKey, parts: readonly Buffer[]): void {
  computeSignature(signer, parts).copy(parts[0]!, SIGNATURE_OFFSET);
}

export function verifyMessage(signer: SigningKey, message: Buffer): boolean {
  const expected = computeSignature(signer, [message]);
  return expected.equals(message.subarray(SIGNATURE_OFFSET, SIGNATURE_OFFSET + SIGNATURE_BYTES));
}
