import { describe, expect, it } from "vitest";
import { verifyMessage } from "../auth/signing.ts";
import * as C from "../constants.ts";
import {
  STATUS_ACCESS_DENIED,
  STATUS_END_OF_FILE,
  STATUS_INVALID_PARAMETER,
  STATUS_LOGON_FAILURE,
  STATUS_NOT_SUPPORTED,
  STATUS_REQUEST_NOT_ACCEPTED,
  STATUS_REQUEST_OUT_OF_SEQUENCE,
  STATUS_USER_SESSION_DELETED,
} from "../ntstatus.ts";
import { open, readBody } from "../testing/bodies.ts";
import { shareInfo } from "../testing/context.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import { ALICE, BOB, startSmbHarness } from "../testing/harness.ts";
import { SmbTestClient } from "../testing/smb-client.ts";
import { SmbWriter } from "../wire.ts";

const ECHO = Buffer.from([4, 0, 0, 0]);

describe("SESSION_SETUP (NTLMv2) and signing", () => {
  const smb = useSmbHarness();

  it.each([
    [C.SMB2_DIALECT_202, []],
    [C.SMB2_DIALECT_300, []],
    [C.SMB2_DIALECT_311, []],
    [C.SMB2_DIALECT_311, [C.SIGNING_ALG_AES_GMAC]],
    [C.SMB2_DIALECT_311, [C.SIGNING_ALG_HMAC_SHA256]],
  ])("dialect 0x%s, signing algorithms offered %j: logs in and signs", async (dialect, algorithms) => {
    const c = await SmbTestClient.connect(smb.h.port);
    await c.negotiate([dialect], undefined, undefined, undefined, algorithms);
    if (algorithms.length > 0) expect(c.signingAlgorithm).toBe(algorithms[0]);
    const r = await c.sessionSetup(ALICE.user, ALICE.password);
    expect(r.status).toBe(0);
    // The final response is signed with the derived key (3.1.1: over the preauth hash).
    expect(r.header.Flags & C.SMB2_FLAGS_SIGNED).toBe(C.SMB2_FLAGS_SIGNED);
    c.sign = true;
    const t = await c.treeConnect("export");
    expect(t.status).toBe(0);
    expect(t.header.Flags & C.SMB2_FLAGS_SIGNED).toBe(C.SMB2_FLAGS_SIGNED);
    expect(verifyMessage({ key: c.signingKey!, algorithm: c.signingAlgorithm }, t.msg)).toBe(true);
    // A request whose signature does not verify is refused.
    const good = c.signingKey!;
    c.signingKey = Buffer.alloc(16, 1);
    expect((await c.send(C.SMB2_TREE_CONNECT, Buffer.alloc(0))).status).not.toBe(0);
    c.signingKey = good;
    expect((await c.send(C.SMB2_ECHO, ECHO)).status).toBe(0);
    c.close();
  });

  it("answers a wrong password and an unknown user with LOGON_FAILURE and forgets the session", async () => {
    for (const [user, pass] of [
      [ALICE.user, "wrong"],
      ["nobody", "x"],
    ] as const) {
      const c = await SmbTestClient.connect(smb.h.port);
      await c.negotiate();
      const r = await c.sessionSetup(user, pass);
      expect(r.status).toBe(STATUS_LOGON_FAILURE);
      expect((await c.treeConnect("export")).status).toBe(STATUS_USER_SESSION_DELETED);
      c.close();
    }
  });

  it("refuses unsigned requests when the server requires signing", async () => {
    const strict = await startSmbHarness({ settings: { signingRequired: true } });
    const c = await SmbTestClient.connect(strict.port);
    await c.negotiate([C.SMB2_DIALECT_311]);
    expect((await c.sessionSetup(ALICE.user, ALICE.password)).status).toBe(0);
    expect((await c.treeConnect("export")).status).toBe(STATUS_ACCESS_DENIED);
    c.sign = true;
    expect((await c.treeConnect("export")).status).toBe(0);
    c.close();
    await strict.stop();
  });

  it("an anonymous logon is a null session that reaches guest shares only", async () => {
    const g = await startSmbHarness({
      shares: [shareInfo("/export"), shareInfo("/public", { guest: true })],
    });
    const c = await SmbTestClient.connect(g.port);
    await c.negotiate();
    const r = await c.anonymousSetup();
    expect(r.status).toBe(0);
    expect(r.body.readUInt16LE(2) & C.SMB2_SESSION_FLAG_IS_NULL).toBe(C.SMB2_SESSION_FLAG_IS_NULL);
    expect((await c.treeConnect("export")).status).toBe(STATUS_ACCESS_DENIED);
    expect((await c.treeConnect("public")).status).toBe(0);
    c.close();
    await g.stop();
  });

  it("re-authenticates a live session: same keys, opens kept; a failed re-authentication ends it", async () => {
    const c = await smb.login([C.SMB2_DIALECT_300]);
    c.sign = true;
    const f = await open(c, "reauth.txt");
    const again = await c.sessionSetup(ALICE.user, ALICE.password);
    expect(again.status).toBe(0);
    expect(again.header.Flags & C.SMB2_FLAGS_SIGNED).toBe(C.SMB2_FLAGS_SIGNED);
    // Later requests still verify with the session's original signing key; the open survives.
    expect((await c.send(C.SMB2_READ, readBody(f, 0n, 1))).status).toBe(STATUS_END_OF_FILE);
    expect((await c.sessionSetup(ALICE.user, "wrong")).status).toBe(STATUS_LOGON_FAILURE);
    expect((await c.send(C.SMB2_ECHO, ECHO)).status).toBe(0);
    expect((await c.send(C.SMB2_READ, readBody(f, 0n, 1))).status).toBe(STATUS_USER_SESSION_DELETED);
  });

  it("a logon naming the user's PreviousSessionId ends that session; another user's is kept", async () => {
    const old = await smb.login();
    const f = await open(old, "reconnect.txt");
    const bob = await SmbTestClient.connect(smb.h.port);
    await bob.negotiate();
    expect((await bob.sessionSetup(BOB.user, BOB.password, "WORKGROUP", old.sessionId)).status).toBe(0);
    expect((await old.send(C.SMB2_READ, readBody(f, 0n, 1))).status).toBe(STATUS_END_OF_FILE);
    const again = await SmbTestClient.connect(smb.h.port);
    await again.negotiate();
    expect((await again.sessionSetup(ALICE.user, ALICE.password, "WORKGROUP", old.sessionId)).status).toBe(0);
    expect((await old.send(C.SMB2_READ, readBody(f, 0n, 1))).status).toBe(STATUS_USER_SESSION_DELETED);
    bob.close();
    again.close();
  });

  it("a bind's refusal is signed with the bound session's key", async () => {
    const a = await smb.login([C.SMB2_DIALECT_300]);
    const bind = bindBody;
    for (const [dialect, status] of [
      // A valid bind without an NTLMSSP token (session-bind.test.ts binds with one).
      [C.SMB2_DIALECT_300, STATUS_LOGON_FAILURE],
      [C.SMB2_DIALECT_210, STATUS_REQUEST_NOT_ACCEPTED],
    ] as const) {
      const b = await SmbTestClient.connect(smb.h.port);
      await b.negotiate([dialect]);
      [b.sessionId, b.signingKey, b.sign] = [a.sessionId, a.signingKey, dialect === C.SMB2_DIALECT_300];
      const r = await b.send(C.SMB2_SESSION_SETUP, bind(1 /* SMB2_SESSION_FLAG_BINDING */));
      expect(r.status).toBe(status);
      if (dialect === C.SMB2_DIALECT_300)
        expect(r.header.Flags & C.SMB2_FLAGS_SIGNED).toBe(C.SMB2_FLAGS_SIGNED);
      // Without the binding flag the session is simply not this connection's: USER_SESSION_DELETED.
      expect((await b.send(C.SMB2_SESSION_SETUP, bind(0))).status).toBe(STATUS_USER_SESSION_DELETED);
      b.close();
    }
    expect((await a.send(C.SMB2_ECHO, ECHO)).status).toBe(0);
  });

  it("a bind across signing algorithms is refused as Samba does, the refusal signed with the session's algorithm", async () => {
    const login = async (dialect: number, algorithms: number[] = []) => {
      const c = await SmbTestClient.connect(smb.h.port);
      await c.negotiate([dialect], undefined, undefined, undefined, algorithms);
      expect((await c.sessionSetup(ALICE.user, ALICE.password)).status).toBe(0);
      return c;
    };
    const cases = [
      // A 2.1 session (HMAC-SHA256) bound from a 3.0 connection (AES-CMAC): the dialects differ.
      [C.SMB2_DIALECT_210, [], C.SMB2_DIALECT_300, [], STATUS_INVALID_PARAMETER],
      // An AES-GMAC session bound from an AES-CMAC connection, and the other way round.
      [
        C.SMB2_DIALECT_311,
        [C.SIGNING_ALG_AES_GMAC],
        C.SMB2_DIALECT_311,
        [C.SIGNING_ALG_AES_CMAC],
        STATUS_REQUEST_OUT_OF_SEQUENCE,
      ],
      [
        C.SMB2_DIALECT_311,
        [C.SIGNING_ALG_AES_CMAC],
        C.SMB2_DIALECT_311,
        [C.SIGNING_ALG_AES_GMAC],
        STATUS_NOT_SUPPORTED,
      ],
    ] as const;
    for (const [aDialect, aAlgs, bDialect, bAlgs, status] of cases) {
      const a = await login(aDialect, [...aAlgs]);
      const b = await SmbTestClient.connect(smb.h.port);
      await b.negotiate([bDialect], undefined, undefined, undefined, [...bAlgs]);
      const own = b.signingAlgorithm;
      // The client signs a bind with the session's key and algorithm (it has no channel key yet).
      [b.sessionId, b.signingKey, b.signingAlgorithm, b.sign] = [
        a.sessionId,
        a.signingKey,
        a.signingAlgorithm,
        true,
      ];
      const r = await b.send(C.SMB2_SESSION_SETUP, bindBody(1));
      expect(r.status).toBe(status);
      const session = { key: a.signingKey!, algorithm: a.signingAlgorithm };
      expect(verifyMessage(session, r.msg)).toBe(true);
      expect(verifyMessage({ key: a.signingKey!, algorithm: own }, r.msg)).toBe(false);
      a.close();
      b.close();
    }
  });
});

function bindBody(flags: number): Buffer {
  return new SmbWriter()
    .u16(25)
    .u8(flags)
    .u8(1)
    .u32(0)
    .u32(0)
    .u16(64 + 24)
    .u16(0)
    .u64(0n)
    .u8(0)
    .finish();
}
