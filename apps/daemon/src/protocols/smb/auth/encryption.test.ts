/**
 * Known answers for SMB 3.x encryption: the §3.3.5.5.3 keys and one TRANSFORM_HEADER message per
 * cipher (§2.2.41, §3.1.4.3), computed independently with Python's `cryptography` (AESCCM, AESGCM)
 * and hmac over the same structure: key, 16-byte Nonce field (11 bytes used for CCM, 12 for GCM),
 * OriginalMessageSize, Flags = 1, SessionId; the associated data is the header from Nonce on.
 */
import { describe, expect, it } from "vitest";
import { SMB2_DIALECT_300, SMB2_DIALECT_311 } from "../constants.ts";
import {
  AES_128_CCM,
  AES_128_GCM,
  AES_256_CCM,
  AES_256_GCM,
  cipherKeys,
  decodeTransform,
  decryptMessage,
  encryptMessage,
  SessionCipher,
  TransformError,
} from "./encryption.ts";

const hex = (s: string) => Buffer.from(s, "hex");
const SESSION_KEY = Buffer.from(Array.from({ length: 16 }, (_, i) => i));
const PREAUTH = Buffer.from(Array.from({ length: 64 }, (_, i) => i));
const PLAIN = Buffer.concat([
  Buffer.from([0xfe, 0x53, 0x4d, 0x42, 64, 0]),
  Buffer.alloc(58),
  Buffer.from("hello, sealed world"),
]);
const SESSION_ID = 0x1122334455667788n;
const NONCE = Buffer.from(Array.from({ length: 16 }, (_, i) => 0xa0 + i));

const VECTORS = [
  {
    cipher: AES_128_CCM,
    key: "01080f161d242b323940474e555c636a",
    tag: "c9854d22619b3f454b551df2961f6b8a",
    ct: "dd765719b88abf18033da14148bdf6e06f72451376e9cd49339cf296470dd1fd56124b167b076d13d102f3299c382623646400b0a7a3de73f64a1fe9aa2c3dd14b0e1fa5008781c4c2c066de42067a9bf709e1",
  },
  {
    cipher: AES_128_GCM,
    key: "020910171e252c333a41484f565d646b",
    tag: "5c518bf4a70f1dd74c875b8d2e3b39cd",
    ct: "86c770ba99ee937629dec21c318f14b31c6578273541afc81db47828e4721f0476b7af2ae68d186126cf5669ad4a99111fd7f7c4caa2cade45bd30ab1c84b611ac31a4686072aa97679fb816931728dcc49ba7",
  },
  {
    cipher: AES_256_CCM,
    key: "030a11181f262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5dc",
    tag: "5fce0ae1aa91908e55a60f6e2f35070d",
    ct: "c662adfbd8aa47572a0a3b158979dc28ed406be00ae5af98229e0b3441b2bdc006c552c397b2d52e50cc473c3bdf4815c6f179d154040191e5079195d777b3f6183ad9b682e69bfd37f2b58490ac923161bf44",
  },
  {
    cipher: AES_256_GCM,
    key: "040b121920272e353c434a51585f666d747b828990979ea5acb3bac1c8cfd6dd",
    tag: "c864e19926f6530651e719e2c443ce1f",
    ct: "3441a09ce9302f5d2688f8e6a54b55b86f67dc527b132062079aa0d2167b7d1a6ad74a42cf00441e20891b157406532996b47f8d781ff8663c25ffe9f57d87f2f4143cd5b166f17d6100d2bf7f7ab0fa6c9d26",
  },
];

describe("SMB 3.x cipher keys (§3.3.5.5.3)", () => {
  it("3.1.1 AES-128: SMBS2CCipherKey / SMBC2SCipherKey over the preauth hash", () => {
    const k = cipherKeys(SMB2_DIALECT_311, AES_128_GCM, SESSION_KEY, PREAUTH);
    expect(k.encryptionKey.toString("hex")).toBe("99676aedfbfd18e61ca5bb60d502e8f2");
    expect(k.decryptionKey.toString("hex")).toBe("f1b6250ca4d9f8877e41071f59228ce4");
  });
  it("3.1.1 AES-256: the same labels with L = 256", () => {
    const k = cipherKeys(SMB2_DIALECT_311, AES_256_CCM, SESSION_KEY, PREAUTH);
    expect(k.encryptionKey.toString("hex")).toBe(
      "7a55e2deed408102591fdea4192f54895bd7e4c879d11927493898b42c8a9ccd",
    );
    expect(k.decryptionKey.toString("hex")).toBe(
      "d09c44a545f554240ddf8ac2777570de0f590e402196d1006261f7448076384d",
    );
  });
  it("3.0: SMB2AESCCM with ServerOut / ServerIn", () => {
    const k = cipherKeys(SMB2_DIALECT_300, AES_128_CCM, SESSION_KEY, null);
    expect(k.encryptionKey.toString("hex")).toBe("95d8b55c852cd25349994b3842fa4105");
    expect(k.decryptionKey.toString("hex")).toBe("8e21f3cae16d07d84c03d74467f57878");
  });
});

describe("SMB2 TRANSFORM_HEADER (§2.2.41, §3.1.4.3)", () => {
  it.each(VECTORS)("cipher $cipher: encrypts to the known answer and decrypts back", (v) => {
    const [header, ct] = encryptMessage(v.cipher, hex(v.key), SESSION_ID, NONCE, [
      PLAIN.subarray(0, 64),
      PLAIN.subarray(64),
    ]);
    expect(header.subarray(4, 20).toString("hex")).toBe(v.tag);
    expect(ct.toString("hex")).toBe(v.ct);
    expect(header.readUInt32LE(36)).toBe(PLAIN.length);
    expect(header.readBigUInt64LE(44)).toBe(SESSION_ID);
    const frame = Buffer.concat([header, ct]);
    const t = decodeTransform(frame, 1 << 20);
    expect(decryptMessage(v.cipher, hex(v.key), t)).toEqual(PLAIN);
    // One flipped bit anywhere (tag, associated data, ciphertext) fails authentication.
    for (const at of [5, 40, 60]) {
      const bad = Buffer.from(frame);
      bad[at]! ^= 1;
      const parsed = decodeTransform(bad, 1 << 20);
      expect(decryptMessage(v.cipher, hex(v.key), parsed)).toBeNull();
    }
  });

  it("checks every length before decrypting", () => {
    const [header, ct] = encryptMessage(AES_128_GCM, hex(VECTORS[1]!.key), 1n, NONCE, [PLAIN]);
    const frame = Buffer.concat([header, ct]);
    expect(() => decodeTransform(frame.subarray(0, 40), 1 << 20)).toThrow(TransformError);
    expect(() => decodeTransform(frame.subarray(0, frame.length - 1), 1 << 20)).toThrow(
      /OriginalMessageSize/,
    );
    expect(() => decodeTransform(frame, PLAIN.length - 1)).toThrow(/too large/);
    const small = Buffer.from(frame.subarray(0, 52 + 10));
    small.writeUInt32LE(10, 36);
    expect(() => decodeTransform(small, 1 << 20)).toThrow(/too small/);
    const flags = Buffer.from(frame);
    flags.writeUInt16LE(0, 42);
    expect(() => decodeTransform(flags, 1 << 20)).toThrow(/Flags/);
  });

  it("a session cipher never repeats a nonce and its peer opens what it seals", () => {
    const k = cipherKeys(SMB2_DIALECT_311, AES_128_CCM, SESSION_KEY, PREAUTH);
    const server = new SessionCipher(AES_128_CCM, k.encryptionKey, k.decryptionKey);
    const client = new SessionCipher(AES_128_CCM, k.decryptionKey, k.encryptionKey);
    const a = server.seal(7n, [PLAIN]);
    const b = server.seal(7n, [PLAIN]);
    expect(a[0].subarray(20, 36)).not.toEqual(b[0].subarray(20, 36));
    expect(client.open(decodeTransform(Buffer.concat(a), 1 << 20))).toEqual(PLAIN);
  });
});
