import { describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import {
  STATUS_ACCESS_DENIED,
  STATUS_END_OF_FILE,
  STATUS_LOGON_FAILURE,
  STATUS_REQUEST_NOT_ACCEPTED,
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

  it.each([C.SMB2_DIALECT_202, C.SMB2_DIALECT_300, C.SMB2_DIALECT_311])(
    "dialect 0x%s: logs in and signs",
    async (dialect) => {
      const c = await SmbTestClient.connect(smb.h.port);
      await c.negotiate([dialect]);
      const r = await c.sessionSetup(ALICE.user, ALICE.password);
      expect(r.status).toBe(0);
      // The final response is signed with the derived key (3.1.1: over the preauth hash).
      expect(r.header.Flags & C.SMB2_FLAGS_SIGNED).toBe(C.SMB2_FLAGS_SIGNED);
      c.sign = true;
      const t = await c.treeConnect("export");
      expect(t.status).toBe(0);
      expect(t.header.Flags & C.SMB2_FLAGS_SIGNED).toBe(C.SMB2_FLAGS_SIGNED);
      // A request whose signature does not verify is refused.
      const good = c.signingKey!;
      c.signingKey = Buffer.alloc(16, 1);
      expect((await c.send(C.SMB2_TREE_CONNECT, Buffer.alloc(0))).status).not.toBe(0);
      c.signingKey = good;
      expect((await c.send(C.SMB2_ECHO, ECHO)).status).toBe(0);
      c.close();
    },
  );

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

  it("binding a session of another connection is refused, the refusal signed with that session's key", async () => {
    const a = await smb.login([C.SMB2_DIALECT_300]);
    const bind = (flags: number) =>
      new SmbWriter()
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
    for (const [dialect, status] of [
      [C.SMB2_DIALECT_300, STATUS_REQUEST_NOT_ACCEPTED],
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
});
