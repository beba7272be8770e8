import { describe, expect, it } from "vitest";
import {
  buildChallenge,
  messageType,
  NTLMSSP_NEGOTIATE_KEY_EXCH,
  NTLMSSP_NEGOTIATE_UNICODE,
  NtLmChallenge,
  ntHashOf,
  ntlmv2Proof,
  ntowfv2,
  verifyNtlmv2,
  wellFormedNtlmv2,
} from "./ntlm.ts";
import { rc4 } from "./rc4.ts";

// [MS-NLMP] §4.2.1 common values and §4.2.4 NTLMv2 authentication.
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");
const serverChallenge = hex("0123456789abcdef");
const clientChallenge = hex("aaaaaaaaaaaaaaaa");
const randomSessionKey = hex("55555555555555555555555555555555");
const avPairs = hex("02000c0044006f006d00610069006e00 01000c005300650072007600650072000000 0000");
// §4.2.4.1.3 temp: Responserversion, HiResponserversion, Z(6), Time, ClientChallenge, Z(4), AvPairs, Z(4)
const temp = Buffer.concat([
  hex("0101000000000000"),
  Buffer.alloc(8),
  clientChallenge,
  Buffer.alloc(4),
  avPairs,
  Buffer.alloc(4),
]);

describe("NTLMv2 (MS-NLMP §4.2.4 vectors)", () => {
  it("computes the NT hash of 'Password' with MD4", async () => {
    expect((await ntHashOf("Password")).toString("hex")).toBe("a4f49c406510bdcab6824ee7c30fd852");
  });

  it("computes NTOWFv2, NTProofStr, SessionBaseKey and the encrypted session key", async () => {
    const key = ntowfv2(await ntHashOf("Password"), "User", "Domain");
    expect(key.toString("hex")).toBe("0c868a403bfd7a93a3001ef22ef02e3f");
    const { ntProofStr, sessionBaseKey } = ntlmv2Proof(key, serverChallenge, temp);
    expect(ntProofStr.toString("hex")).toBe("68cd0ab851e51c96aabc927bebef6a1c");
    expect(sessionBaseKey.toString("hex")).toBe("8de40ccadbc14a82f15cb0ad0de95ca3");
    expect(rc4(sessionBaseKey, randomSessionKey).toString("hex")).toBe("c5dad2544fc9799094ce1ce90bc9d03e");
  });

  it("verifies an AUTHENTICATE and unwraps the exported session key; rejects a wrong password", async () => {
    const ntResponse = Buffer.concat([hex("68cd0ab851e51c96aabc927bebef6a1c"), temp]);
    const auth = {
      flags: NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_KEY_EXCH,
      lmResponse: Buffer.alloc(24),
      ntResponse,
      domain: "Domain",
      user: "User",
      workstation: "COMPUTER",
      encryptedRandomSessionKey: hex("c5dad2544fc9799094ce1ce90bc9d03e"),
    };
    expect(verifyNtlmv2(await ntHashOf("Password"), auth, serverChallenge)?.toString("hex")).toBe(
      randomSessionKey.toString("hex"),
    );
    expect(verifyNtlmv2(await ntHashOf("password"), auth, serverChallenge)).toBeNull();
    expect(
      verifyNtlmv2(
        await ntHashOf("Password"),
        { ...auth, ntResponse: ntResponse.subarray(0, 24) },
        serverChallenge,
      ),
    ).toBeNull();
  });

  it("builds a CHALLENGE carrying the server challenge and target info", () => {
    const msg = buildChallenge(NTLMSSP_NEGOTIATE_UNICODE, serverChallenge, "dittofs");
    expect(messageType(msg)).toBe(NtLmChallenge);
    expect(msg.subarray(24, 32)).toEqual(serverChallenge);
    const infoLen = msg.readUInt16LE(40);
    const infoOff = msg.readUInt32LE(44);
    expect(infoOff + infoLen).toBe(msg.length);
  });
});

describe("NTLMv2_CLIENT_CHALLENGE shape", () => {
  it("accepts AV pairs ending in MsvAvEOL inside the response, refuses pairs running past it", () => {
    const proof = Buffer.alloc(16, 0xab);
    expect(wellFormedNtlmv2(Buffer.concat([proof, temp]))).toBe(true);
    // smbtorture smb2.session.ntlmssp_bug14932: a NetApp-style blob whose first pair claims 0x8108 bytes.
    const netapp = hex(
      "0101000000000000 3f3f3f3f3f3f3f3f b8823af1b3dd0815 00000000 11a20881 503822782b9447fe" +
        "54947bff17275ab4 f418badc2c38fd5b fb0ec1851ecc92bb 9bb1c4d55314ff8c 7649f5459019a2",
    );
    expect(wellFormedNtlmv2(Buffer.concat([proof, netapp]))).toBe(false);
    // No MsvAvEOL at all.
    expect(wellFormedNtlmv2(Buffer.concat([proof, temp.subarray(0, 28 + 16)]))).toBe(false);
  });
});
