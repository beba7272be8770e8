import { createCipheriv } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  SIGNING_ALG_AES_CMAC,
  SIGNING_ALG_AES_GMAC,
  SIGNING_ALG_HMAC_SHA256,
  SMB2_CANCEL,
  SMB2_DIALECT_300,
} from "../constants.ts";
import { computeSignature, signingKeyFor, smb3Kdf, verifyMessage } from "./signing.ts";

const hex = (s: string) => Buffer.from(s, "hex");

describe("SMB2 signing", () => {
  it("derives the SMB 3.0 signing key (Microsoft's published SMB 3.0 example)", () => {
    const sessionKey = hex("b4546771b515f766a86735532dd6c4f0");
    expect(signingKeyFor(SMB2_DIALECT_300, sessionKey, null).toString("hex")).toBe(
      "f773cd23c18fd1e08ee510cada7cf852",
    );
  });

  it("follows SP800-108 counter mode (label, 0x00, context, L=128)", () => {
    // Cross-checked vector from Greenbone's smb3kdf tests.
    expect(
      smb3Kdf(Buffer.from("mykey"), Buffer.from("mylabel"), Buffer.from("mycontext")).toString("hex"),
    ).toBe("a5948d63659bd73a5a642b1a81d172c6");
  });

  it("signs and verifies a message; a flipped bit fails verification", () => {
    const msg = Buffer.alloc(100, 3);
    msg.fill(0, 48, 64);
    for (const algorithm of [SIGNING_ALG_HMAC_SHA256, SIGNING_ALG_AES_CMAC, SIGNING_ALG_AES_GMAC]) {
      const signer = { key: hex("00112233445566778899aabbccddeeff"), algorithm };
      const m = Buffer.from(msg);
      computeSignature(signer, [m]).copy(m, 48);
      expect(verifyMessage(signer, m)).toBe(true);
      m.writeUInt8(m[80]! ^ 1, 80);
      expect(verifyMessage(signer, m)).toBe(false);
    }
  });

  it("AES-GMAC is the GCM tag over the message with MessageId, role and CANCEL in the nonce (§3.1.4.1)", () => {
    const key = hex("00112233445566778899aabbccddeeff");
    const signer = { key, algorithm: SIGNING_ALG_AES_GMAC };
    const gmac = (m: Buffer, role: number) => {
      const nonce = Buffer.alloc(12);
      m.copy(nonce, 0, 24, 32);
      nonce.writeUInt32LE(role, 8);
      const g = createCipheriv("aes-128-gcm", key, nonce);
      g.setAAD(m);
      g.final();
      return g.getAuthTag();
    };
    const m = Buffer.alloc(80, 7);
    m.fill(0, 48, 64);
    m.writeBigUInt64LE(0x1122334455n, 24);
    m.writeUInt16LE(5, 12); // CREATE
    m.writeUInt32LE(0, 16); // a request
    expect(computeSignature(signer, [m])).toEqual(gmac(m, 0));
    m.writeUInt32LE(1, 16); // a response (SMB2_FLAGS_SERVER_TO_REDIR)
    expect(computeSignature(signer, [m])).toEqual(gmac(m, 1));
    m.writeUInt32LE(0, 16);
    m.writeUInt16LE(SMB2_CANCEL, 12);
    expect(computeSignature(signer, [m])).toEqual(gmac(m, 2));
    // The same message signed in parts signs the same bytes.
    expect(computeSignature(signer, [m.subarray(0, 64), m.subarray(64)])).toEqual(gmac(m, 2));
  });
});
