/**
 * Encryption at the connection (§3.3.5.2.1.1, §3.3.5.5.3): a TRANSFORM_HEADER frame with a bad
 * tag, a wrong OriginalMessageSize or an unknown session closes the connection; a server that
 * requires encryption refuses a session that cannot encrypt with STATUS_ACCESS_DENIED; oplock and
 * lease breaks to an encrypting session or tree go out encrypted (§3.3.4.6, §3.3.4.7).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AES_128_CCM, SMB2_TRANSFORM_PROTOCOL_ID, TRANSFORM_HEADER_BYTES } from "./auth/encryption.ts";
import * as C from "./constants.ts";
import { transportHeader } from "./framing.ts";
import * as L from "./leases.ts";
import { STATUS_ACCESS_DENIED } from "./ntstatus.ts";
import * as B from "./testing/bodies.ts";
import { ALICE, type SmbHarness, startSmbHarness } from "./testing/harness.ts";
import { SmbTestClient } from "./testing/smb-client.ts";

/** A TRANSFORM_HEADER frame whose ciphertext and tag are random (it cannot authenticate). */
function junkTransform(sessionId: bigint, size = 100, claimed = size): Buffer {
  const h = Buffer.alloc(TRANSFORM_HEADER_BYTES);
  h.writeUInt32LE(SMB2_TRANSFORM_PROTOCOL_ID, 0);
  randomBytes(32).copy(h, 4);
  h.writeUInt32LE(claimed, 36);
  h.writeUInt16LE(1, 42);
  h.writeBigUInt64LE(sessionId, 44);
  return Buffer.concat([transportHeader(h.length + size), h, randomBytes(size)]);
}

async function encryptingClient(
  h: SmbHarness,
): Promise<{ c: SmbTestClient; sessionId: bigint; sessionFlags: number }> {
  const c = await SmbTestClient.connect(h.port);
  const n = await c.negotiate(
    [C.SMB2_DIALECT_300],
    C.SMB2_NEGOTIATE_SIGNING_ENABLED,
    C.SMB2_GLOBAL_CAP_ENCRYPTION,
  );
  expect(n.body.readUInt32LE(24) & C.SMB2_GLOBAL_CAP_ENCRYPTION).toBe(C.SMB2_GLOBAL_CAP_ENCRYPTION);
  const s = await c.sessionSetup(ALICE.user, ALICE.password);
  expect(s.header.Status).toBe(0);
  return { c, sessionId: s.header.SessionId, sessionFlags: s.body.readUInt16LE(2) };
}

/** An SMB 3.0 client (AES-128-CCM) that encrypts every request after SESSION_SETUP, on "export". */
async function encryptedTree(h: SmbHarness): Promise<SmbTestClient> {
  const { c } = await encryptingClient(h);
  c.encrypt(AES_128_CCM);
  const t = await c.treeConnect("export");
  expect([t.status, t.sealed]).toEqual([0, true]);
  return c;
}

/** A harness for the enclosing describe block: `s.h` once its beforeAll ran. */
function harness(settings: Record<string, unknown> = {}): { h: SmbHarness } {
  const s = { h: null as unknown as SmbHarness };
  beforeAll(async () => {
    s.h = await startSmbHarness({ settings });
  });
  afterAll(() => s.h?.stop());
  return s;
}

describe("SMB encrypted frames", () => {
  const s = harness();

  it.each([
    ["a bad tag", (id: bigint) => junkTransform(id)],
    ["OriginalMessageSize not the frame's", (id: bigint) => junkTransform(id, 100, 99)],
    ["an unknown session", (id: bigint) => junkTransform(id + 1000n)],
    ["a message shorter than an SMB2 header", (id: bigint) => junkTransform(id, 10)],
  ])("%s closes the connection", async (_name, frame) => {
    const { c, sessionId } = await encryptingClient(s.h);
    const closed = c.closed();
    c.raw(frame(sessionId));
    await closed;
  });
});

describe("SMB with encryptionRequired", () => {
  const s = harness({ encryptionRequired: true });

  it("refuses a 3.1.1 session that negotiated no cipher with STATUS_ACCESS_DENIED", async () => {
    const c = await SmbTestClient.connect(s.h.port);
    await c.negotiate([C.SMB2_DIALECT_311]);
    const r = await c.sessionSetup(ALICE.user, ALICE.password);
    expect(r.header.Status).toBe(STATUS_ACCESS_DENIED);
    c.close();
  });

  it("marks a session that can encrypt SMB2_SESSION_FLAG_ENCRYPT_DATA and refuses its plain requests", async () => {
    const { c, sessionFlags } = await encryptingClient(s.h);
    expect(sessionFlags & C.SMB2_SESSION_FLAG_ENCRYPT_DATA).toBe(C.SMB2_SESSION_FLAG_ENCRYPT_DATA);
    const r = await c.treeConnect("export");
    expect(r.header.Status).toBe(STATUS_ACCESS_DENIED);
    c.close();
  });

  it("rejects a bad encryptionRequired value naming the key", async () => {
    await expect(startSmbHarness({ settings: { encryptionRequired: "yes" } })).rejects.toThrow(
      /encryptionRequired/,
    );
  });
});

describe("SMB break notifications to an encrypting session or tree", () => {
  const required = harness({ encryptionRequired: true });
  const share = harness({ encryptedShares: ["export"] });
  const RWH = L.SMB2_LEASE_READ_CACHING | L.SMB2_LEASE_WRITE_CACHING | L.SMB2_LEASE_HANDLE_CACHING;
  const RH = L.SMB2_LEASE_READ_CACHING | L.SMB2_LEASE_HANDLE_CACHING;

  it("encrypts a lease break to a session with EncryptData with the session's keys", async () => {
    const [a, b] = [await encryptedTree(required.h), await encryptedTree(required.h)];
    const key = randomBytes(16);
    const lease = { oplock: L.SMB2_OPLOCK_LEVEL_LEASE, contexts: B.leaseContext(key, RWH, true) };
    const ra = await a.send(C.SMB2_CREATE, B.createBody("sealed-lease.txt", lease));
    expect(B.leaseOf(ra)?.state).toBe(RWH);
    const other = { oplock: L.SMB2_OPLOCK_LEVEL_LEASE, contexts: B.leaseContext(randomBytes(16), RWH, true) };
    const pb = b.send(C.SMB2_CREATE, B.createBody("sealed-lease.txt", other));
    const brk = await a.nextBreak();
    expect(brk.sealed).toBe(true);
    expect([brk.body.readUInt16LE(0), brk.body.readUInt32LE(4)]).toEqual([44, 1]);
    expect(Buffer.from(brk.body.subarray(8, 24))).toEqual(key);
    expect([brk.body.readUInt32LE(24), brk.body.readUInt32LE(28)]).toEqual([RWH, RH]);
    const ack = await a.send(C.SMB2_OPLOCK_BREAK, B.leaseAckBody(key, RH));
    expect([ack.status, ack.sealed]).toEqual([0, true]);
    expect(B.leaseOf(await pb)?.state).toBe(RH);
    a.close();
    b.close();
  });

  it("encrypts an oplock break to a tree with EncryptData", async () => {
    const [a, b] = [await encryptedTree(share.h), await encryptedTree(share.h)];
    const ra = await a.send(
      C.SMB2_CREATE,
      B.createBody("sealed-batch.txt", { oplock: L.SMB2_OPLOCK_LEVEL_BATCH }),
    );
    expect([ra.status, ra.body[2]]).toEqual([0, L.SMB2_OPLOCK_LEVEL_BATCH]);
    const pb = b.send(C.SMB2_CREATE, B.createBody("sealed-batch.txt", { oplock: L.SMB2_OPLOCK_LEVEL_BATCH }));
    const brk = await a.nextBreak();
    expect(brk.sealed).toBe(true);
    expect([brk.body.readUInt16LE(0), brk.body[2]]).toEqual([24, L.SMB2_OPLOCK_LEVEL_II]);
    expect(brk.body.readBigUInt64LE(16)).toBe(B.fileIdOf(ra).volatile);
    const ack = await a.send(C.SMB2_OPLOCK_BREAK, B.oplockAckBody(B.fileIdOf(ra), L.SMB2_OPLOCK_LEVEL_II));
    expect([ack.status, ack.body[2]]).toEqual([0, L.SMB2_OPLOCK_LEVEL_II]);
    expect((await pb).body[2]).toBe(L.SMB2_OPLOCK_LEVEL_II);
    a.close();
    b.close();
  });
});
