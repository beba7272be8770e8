/**
 * The raw NTLMSSP tokens ([MS-NLMP] §2.2.1, no SPNEGO) the SMB2 test client (smb-client.ts) logs
 * on with: NEGOTIATE, an NTLMv2 AUTHENTICATE answering the server's CHALLENGE, and the anonymous
 * AUTHENTICATE (§3.2.5.1.2: empty user, empty NtChallengeResponse).
 */
import { randomBytes } from "node:crypto";
import { ntHashOf, ntlmv2Proof, ntowfv2 } from "../auth/ntlm.ts";
import { rc4 } from "../auth/rc4.ts";

export function ntlmNegotiate(): Buffer {
  const negotiate = Buffer.alloc(32);
  Buffer.from("NTLMSSP\0").copy(negotiate);
  negotiate.writeUInt32LE(1, 8);
  negotiate.writeUInt32LE(0xe2088297, 12);
  return negotiate;
}

/**
 * The AUTHENTICATE answering CHALLENGE `challenge` as `user`, and the session key it exports
 * (random, sent RC4-sealed with the NTLMv2 session base key).
 */
export async function ntlmAuthenticate(
  challenge: Buffer,
  user: string,
  password: string,
  domain: string,
): Promise<{ token: Buffer; exported: Buffer }> {
  const serverChallenge = challenge.subarray(24, 32);
  const tiLen = challenge.readUInt16LE(40);
  const tiOff = challenge.readUInt32LE(44);
  const targetInfo = challenge.subarray(tiOff, tiOff + tiLen);
  const key = ntowfv2(await ntHashOf(password), user, domain);
  const temp = Buffer.concat([
    Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]),
    Buffer.alloc(8),
    randomBytes(8),
    Buffer.alloc(4),
    targetInfo,
    Buffer.alloc(4),
  ]);
  const { ntProofStr, sessionBaseKey } = ntlmv2Proof(key, serverChallenge, temp);
  const exported = randomBytes(16);
  const token = authenticateMessage(
    Buffer.concat([ntProofStr, temp]),
    domain,
    user,
    rc4(sessionBaseKey, exported),
  );
  return { token, exported };
}

export function anonymousAuthenticate(): Buffer {
  const head = Buffer.alloc(64);
  Buffer.from("NTLMSSP\0").copy(head);
  head.writeUInt32LE(3, 8);
  for (let i = 0; i < 6; i++) head.writeUInt32LE(64, 16 + i * 8);
  head.writeUInt32LE(0x00000a15, 60);
  return head;
}

function authenticateMessage(nt: Buffer, domain: string, user: string, encKey: Buffer): Buffer {
  const fields = [
    Buffer.alloc(24),
    nt,
    Buffer.from(domain, "utf16le"),
    Buffer.from(user, "utf16le"),
    Buffer.from("TEST", "utf16le"),
    encKey,
  ];
  const head = Buffer.alloc(64);
  Buffer.from("NTLMSSP\0").copy(head);
  head.writeUInt32LE(3, 8);
  let off = 64;
  fields.forEach((f, i) => {
    head.writeUInt16LE(f.length, 12 + i * 8);
    head.writeUInt16LE(f.length, 14 + i * 8);
    head.writeUInt32LE(off, 16 + i * 8);
    off += f.length;
  });
  head.writeUInt32LE(0xe2088215, 60);
  return Buffer.concat([head, ...fields]);
}
