/**
 * Encryption at the connection (§3.3.5.2.1.1, §3.3.5.5.3): a TRANSFORM_HEADER frame with a bad
 * tag, a wrong OriginalMessageSize or an unknown session closes the connection; a server that
 * requires encryption refuses a session that cannot encrypt with STATUS_ACCESS_DENIED.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SMB2_TRANSFORM_PROTOCOL_ID, TRANSFORM_HEADER_BYTES } from "./auth/encryption.ts";
import * as C from "./constants.ts";
import { transportHeader } from "./framing.ts";
import { STATUS_ACCESS_DENIED } from "./ntstatus.ts";
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
