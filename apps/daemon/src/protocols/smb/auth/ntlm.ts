/**
 * Server side of NTLMSSP with NTLMv2 responses ([MS-NLMP]). The server sends a CHALLENGE,
 * verifies the client's NTProofStr against the user's NT hash and derives the session key.
 * LM and NTLMv1 responses are refused. No MsvAvTimestamp is sent, so clients do not add a MIC
 * and SPNEGO needs no mechListMIC (§3.1.5.1.2).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { md4 } from "hash-wasm";
import { SmbReader } from "../wire.ts";
import { rc4 } from "./rc4.ts";

export const NTLMSSP_SIGNATURE = Buffer.from("NTLMSSP\0", "ascii");
export const NtLmNegotiate = 1;
export const NtLmChallenge = 2;
export const NtLmAuthenticate = 3;

/** [MS-NLMP] §2.2.2.5 NegotiateFlags. */
export const NTLMSSP_NEGOTIATE_UNICODE = 0x00000001;
/** @public Part of the flag table; OEM strings are never negotiated (Unicode only). */
export const NTLMSSP_NEGOTIATE_OEM = 0x00000002;
export const NTLMSSP_REQUEST_TARGET = 0x00000004;
export const NTLMSSP_NEGOTIATE_SIGN = 0x00000010;
export const NTLMSSP_NEGOTIATE_SEAL = 0x00000020;
export const NTLMSSP_NEGOTIATE_NTLM = 0x00000200;
export const NTLMSSP_NEGOTIATE_ALWAYS_SIGN = 0x00008000;
export const NTLMSSP_TARGET_TYPE_SERVER = 0x00020000;
export const NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY = 0x00080000;
export const NTLMSSP_NEGOTIATE_TARGET_INFO = 0x00800000;
export const NTLMSSP_NEGOTIATE_VERSION = 0x02000000;
export const NTLMSSP_NEGOTIATE_128 = 0x20000000;
export const NTLMSSP_NEGOTIATE_KEY_EXCH = 0x40000000;
export const NTLMSSP_NEGOTIATE_56 = 0x80000000;

/** Flags the server is willing to echo back from the client's NEGOTIATE. */
const SERVER_FLAGS =
  NTLMSSP_NEGOTIATE_UNICODE |
  NTLMSSP_REQUEST_TARGET |
  NTLMSSP_NEGOTIATE_SIGN |
  NTLMSSP_NEGOTIATE_SEAL |
  NTLMSSP_NEGOTIATE_NTLM |
  NTLMSSP_NEGOTIATE_ALWAYS_SIGN |
  NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY |
  NTLMSSP_NEGOTIATE_128 |
  NTLMSSP_NEGOTIATE_KEY_EXCH |
  NTLMSSP_NEGOTIATE_56;

/** [MS-NLMP] §2.2.2.1 AV_PAIR ids. */
const MsvAvEOL = 0;
const MsvAvNbComputerName = 1;
const MsvAvNbDomainName = 2;
const MsvAvDnsComputerName = 3;
const MsvAvDnsDomainName = 4;

/** Bounds on what a client may send inside an AUTHENTICATE message. */
export const MAX_NTLM_FIELD_BYTES = 4096;

export class NtlmError extends Error {}

/** MD4(UTF-16LE(password)): the NT hash a Principal carries. */
export async function ntHashOf(password: string): Promise<Buffer> {
  return Buffer.from(await md4(Buffer.from(password, "utf16le")), "hex");
}

export function messageType(msg: Buffer): number {
  if (msg.length < 12 || !msg.subarray(0, 8).equals(NTLMSSP_SIGNATURE)) throw new NtlmError("not NTLMSSP");
  return msg.readUInt32LE(8);
}

export function parseNegotiateFlags(msg: Buffer): number {
  if (messageType(msg) !== NtLmNegotiate || msg.length < 16) throw new NtlmError("not a NEGOTIATE");
  return msg.readUInt32LE(12);
}

function avPair(id: number, value: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt16LE(id, 0);
  h.writeUInt16LE(value.length, 2);
  return Buffer.concat([h, value]);
}

/** §2.2.1.2 CHALLENGE_MESSAGE for the given client flags. */
export function buildChallenge(clientFlags: number, serverChallenge: Buffer, serverName: string): Buffer {
  const flags =
    (clientFlags & SERVER_FLAGS) |
    NTLMSSP_NEGOTIATE_UNICODE |
    NTLMSSP_NEGOTIATE_NTLM |
    NTLMSSP_NEGOTIATE_TARGET_INFO |
    NTLMSSP_TARGET_TYPE_SERVER |
    NTLMSSP_NEGOTIATE_VERSION |
    NTLMSSP_REQUEST_TARGET;
  const name = Buffer.from(serverName.toUpperCase(), "utf16le");
  const info = Buffer.concat([
    avPair(MsvAvNbDomainName, name),
    avPair(MsvAvNbComputerName, name),
    avPair(MsvAvDnsDomainName, Buffer.from(serverName.toLowerCase(), "utf16le")),
    avPair(MsvAvDnsComputerName, Buffer.from(serverName.toLowerCase(), "utf16le")),
    avPair(MsvAvEOL, Buffer.alloc(0)),
  ]);
  const fixed = 56;
  const b = Buffer.alloc(fixed + name.length + info.length);
  NTLMSSP_SIGNATURE.copy(b, 0);
  b.writeUInt32LE(NtLmChallenge, 8);
  b.writeUInt16LE(name.length, 12);
  b.writeUInt16LE(name.length, 14);
  b.writeUInt32LE(fixed, 16);
  b.writeUInt32LE(flags >>> 0, 20);
  serverChallenge.copy(b, 24);
  b.writeUInt16LE(info.length, 40);
  b.writeUInt16LE(info.length, 42);
  b.writeUInt32LE(fixed + name.length, 44);
  // Version: 6.1 build 7600, NTLMSSP_REVISION_W2K3 (§2.2.2.10).
  Buffer.from([6, 1, 0xb0, 0x1d, 0, 0, 0, 15]).copy(b, 48);
  name.copy(b, fixed);
  info.copy(b, fixed + name.length);
  return b;
}

export interface AuthenticateMessage {
  flags: number;
  lmResponse: Buffer;
  ntResponse: Buffer;
  domain: string;
  user: string;
  workstation: string;
  encryptedRandomSessionKey: Buffer;
}

/** §2.2.1.3 AUTHENTICATE_MESSAGE. */
export function parseAuthenticate(msg: Buffer): AuthenticateMessage {
  if (messageType(msg) !== NtLmAuthenticate || msg.length < 64) throw new NtlmError("not an AUTHENTICATE");
  const r = new SmbReader(msg, 12);
  const field = (): Buffer => {
    const len = r.u16();
    r.u16();
    const off = r.u32();
    if (len > MAX_NTLM_FIELD_BYTES || off + len > msg.length) throw new NtlmError("field out of range");
    return msg.subarray(off, off + len);
  };
  const lm = field();
  const nt = field();
  const dom = field();
  const usr = field();
  const ws = field();
  const key = field();
  const flags = r.u32();
  const text = (b: Buffer) => b.toString(flags & NTLMSSP_NEGOTIATE_UNICODE ? "utf16le" : "latin1");
  return {
    flags,
    lmResponse: lm,
    ntResponse: nt,
    domain: text(dom),
    user: text(usr),
    workstation: text(ws),
    encryptedRandomSessionKey: key,
  };
}

const hmacMd5 = (key: Buffer, ...parts: Buffer[]): Buffer => {
  const h = createHmac("md5", key);
  for (const p of parts) h.update(p);
  return h.digest();
};

/** §3.3.2 NTOWFv2(Passwd, User, UserDom) from the NT hash. */
export function ntowfv2(ntHash: Buffer, user: string, domain: string): Buffer {
  return hmacMd5(ntHash, Buffer.from(user.toUpperCase() + domain, "utf16le"));
}

/** NTProofStr and SessionBaseKey for a response key and the `temp` blob (§3.3.2). */
export function ntlmv2Proof(responseKey: Buffer, serverChallenge: Buffer, temp: Buffer) {
  const ntProofStr = hmacMd5(responseKey, serverChallenge, temp);
  return { ntProofStr, sessionBaseKey: hmacMd5(responseKey, ntProofStr) };
}

/** [MS-NLMP] §2.2.2.7 NTLMv2_CLIENT_CHALLENGE: the fixed part before its AV pairs. */
const CLIENT_CHALLENGE_FIXED = 28;
/** §2.2.2.1 AvId MsvAvEOL: the end of an AV_PAIR list. */
const MSV_AV_EOL = 0;

/**
 * Whether an NTLMv2 response's client challenge is well formed ([MS-NLMP] §2.2.2.7): its AV_PAIR
 * list ends with MsvAvEOL inside the blob. Samba refuses one that does not (INVALID_PARAMETER,
 * its bug 14932) before checking the proof.
 */
export function wellFormedNtlmv2(ntResponse: Buffer): boolean {
  let at = 16 + CLIENT_CHALLENGE_FIXED;
  while (at + 4 <= ntResponse.length) {
    const id = ntResponse.readUInt16LE(at);
    const len = ntResponse.readUInt16LE(at + 2);
    at += 4 + len;
    if (at > ntResponse.length) return false;
    if (id === MSV_AV_EOL) return true;
  }
  return false;
}

/**
 * Verifies an NTLMv2 response; returns the exported session key (§3.2.5.1.2), or null when the
 * proof does not match. The domain the client sent is tried, then the empty domain (as Samba).
 */
export function verifyNtlmv2(
  ntHash: Buffer,
  auth: AuthenticateMessage,
  serverChallenge: Buffer,
): Buffer | null {
  if (auth.ntResponse.length <= 24) return null; // NTLMv1 / LM only: refused
  const proof = auth.ntResponse.subarray(0, 16);
  const temp = auth.ntResponse.subarray(16);
  for (const domain of new Set([auth.domain, ""])) {
    const key = ntowfv2(ntHash, auth.user, domain);
    const { ntProofStr, sessionBaseKey } = ntlmv2Proof(key, serverChallenge, temp);
    if (!timingSafeEqual(ntProofStr, proof)) continue;
    if (auth.flags & NTLMSSP_NEGOTIATE_KEY_EXCH && auth.encryptedRandomSessionKey.length === 16) {
      return rc4(sessionBaseKey, auth.encryptedRandomSessionKey);
    }
    return sessionBaseKey;
  }
  return null;
}

export function newServerChallenge(): Buffer {
  return randomBytes(8);
}
