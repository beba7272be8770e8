import { describe, expect, it } from "vitest";
import { verifyMessage } from "../auth/signing.ts";
import * as C from "../constants.ts";
import { MAX_CHANNELS_PER_SESSION, MAX_SESSIONS_PER_CONNECTION } from "../limits.ts";
import {
  STATUS_ACCESS_DENIED,
  STATUS_INSUFFICIENT_RESOURCES,
  STATUS_LOGON_FAILURE,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_REQUEST_NOT_ACCEPTED,
  STATUS_USER_SESSION_DELETED,
} from "../ntstatus.ts";
import { open, readBody, writeBody } from "../testing/bodies.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import { ALICE, BOB } from "../testing/harness.ts";
import { SmbTestClient } from "../testing/smb-client.ts";

const LOGOFF = Buffer.from([4, 0, 0, 0]);

describe("SESSION_SETUP binding a second channel (multichannel)", () => {
  const smb = useSmbHarness();

  /** A connection negotiated like `first` (same ClientGuid and dialect), not yet logged on. */
  const channel = async (dialect: number, algorithms: number[] = []) => {
    const c = await SmbTestClient.connect(smb.h.port);
    await c.negotiate([dialect], undefined, C.SMB2_GLOBAL_CAP_MULTI_CHANNEL, undefined, algorithms);
    return c;
  };

  it.each([
    [C.SMB2_DIALECT_300, []],
    [C.SMB2_DIALECT_311, [C.SIGNING_ALG_AES_GMAC]],
    [C.SMB2_DIALECT_311, [C.SIGNING_ALG_AES_CMAC]],
  ])(
    "dialect 0x%s %j: the session's opens work on both channels and outlive the first",
    async (dialect, algs) => {
      const a = await channel(dialect, algs);
      const caps = (await channel(dialect, algs)).signingAlgorithm; // a second NEGOTIATE answers the same
      expect(caps).toBe(a.signingAlgorithm);
      expect((await a.sessionSetup(ALICE.user, ALICE.password)).status).toBe(0);
      a.sign = true;
      expect((await a.treeConnect("export")).status).toBe(0);
      const f = await open(a, "bound.txt");
      expect((await a.send(C.SMB2_WRITE, writeBody(f, 0n, Buffer.from("hello")))).status).toBe(0);

      const b = await channel(dialect, algs);
      const r = await b.bind(a, ALICE.user, ALICE.password);
      expect(r.status).toBe(0);
      // The final response is signed with the new channel's key, which the session key does not verify.
      expect(verifyMessage({ key: b.signingKey!, algorithm: b.signingAlgorithm }, r.msg)).toBe(true);
      expect(b.signingKey).not.toEqual(a.signingKey);
      // The tree and the open of channel 1 are usable on channel 2, signed with its key.
      b.treeId = a.treeId;
      const read = await b.send(C.SMB2_READ, readBody(f, 0n, 5));
      expect(read.status).toBe(0);
      expect(read.msg.subarray(read.body.readUInt8(2), read.body.readUInt8(2) + 5).toString()).toBe("hello");
      // A request on channel 2 signed with the session's key does not verify there; binding the
      // bound channel again is refused so (the client signs a bind with the session's key).
      const [channelKey, channelAlg] = [b.signingKey, b.signingAlgorithm];
      [b.signingKey, b.signingAlgorithm] = [a.signingKey, a.signingAlgorithm];
      expect((await b.send(C.SMB2_READ, readBody(f, 0n, 5))).status).toBe(STATUS_ACCESS_DENIED);
      expect((await b.bind(a, ALICE.user, ALICE.password)).status).toBe(STATUS_ACCESS_DENIED);
      [b.signingKey, b.signingAlgorithm] = [channelKey, channelAlg];
      // A third connection binds too.
      const third = await channel(dialect, algs);
      expect((await third.bind(a, ALICE.user, ALICE.password)).status).toBe(0);
      third.close();

      // Channel 1 goes away: the session, its tree and its open live on through channel 2.
      a.close();
      await new Promise((r) => setTimeout(r, 50));
      expect((await b.send(C.SMB2_READ, readBody(f, 0n, 5))).status).toBe(0);
      expect((await b.send(C.SMB2_LOGOFF, LOGOFF)).status).toBe(0);
      expect((await b.send(C.SMB2_READ, readBody(f, 0n, 5))).status).toBe(STATUS_USER_SESSION_DELETED);
      b.close();
    },
  );

  it("refuses a bind as another user (ACCESS_DENIED) or with a wrong password (LOGON_FAILURE); the session stays", async () => {
    const a = await channel(C.SMB2_DIALECT_311);
    expect((await a.sessionSetup(ALICE.user, ALICE.password)).status).toBe(0);
    a.sign = true;
    const bob = await channel(C.SMB2_DIALECT_311);
    expect((await bob.bind(a, BOB.user, BOB.password)).status).toBe(STATUS_ACCESS_DENIED);
    const wrong = await channel(C.SMB2_DIALECT_311);
    expect((await wrong.bind(a, ALICE.user, "wrong")).status).toBe(STATUS_LOGON_FAILURE);
    // The failed channels are not the session's: their requests are refused, the session answers.
    expect((await wrong.treeConnect("export")).status).toBe(STATUS_USER_SESSION_DELETED);
    expect((await a.treeConnect("export")).status).toBe(0);
    // And the right user can still bind on the connection that failed.
    const retry = await channel(C.SMB2_DIALECT_311);
    expect((await retry.bind(a, ALICE.user, ALICE.password)).status).toBe(0);
    for (const c of [a, bob, wrong, retry]) c.close();
  });

  it("a session has at most MAX_CHANNELS_PER_SESSION channels", async () => {
    const a = await channel(C.SMB2_DIALECT_300);
    expect((await a.sessionSetup(ALICE.user, ALICE.password)).status).toBe(0);
    const open: SmbTestClient[] = [a];
    for (let i = 1; i < MAX_CHANNELS_PER_SESSION; i++) {
      const c = await channel(C.SMB2_DIALECT_300);
      expect((await c.bind(a, ALICE.user, ALICE.password)).status).toBe(0);
      open.push(c);
    }
    const extra = await channel(C.SMB2_DIALECT_300);
    expect((await extra.bind(a, ALICE.user, ALICE.password)).status).toBe(STATUS_INSUFFICIENT_RESOURCES);
    open.push(extra);
    // A channel that goes away gives its place back.
    open[1]!.close();
    await new Promise((r) => setTimeout(r, 50));
    const next = await channel(C.SMB2_DIALECT_300);
    expect((await next.bind(a, ALICE.user, ALICE.password)).status).toBe(0);
    open.push(next);
    for (const c of open) c.close();
  });

  it("a flood of half-made binds stays within a session's channels; a failed or abandoned one gives its place back", async () => {
    const a = await channel(C.SMB2_DIALECT_300);
    expect((await a.sessionSetup(ALICE.user, ALICE.password)).status).toBe(0);
    const half: SmbTestClient[] = [];
    for (let i = 1; i < MAX_CHANNELS_PER_SESSION; i++) {
      const c = await channel(C.SMB2_DIALECT_300);
      expect((await c.bindStart(a)).status).toBe(STATUS_MORE_PROCESSING_REQUIRED);
      half.push(c);
    }
    const late = await channel(C.SMB2_DIALECT_300);
    expect((await late.bindStart(a)).status).toBe(STATUS_INSUFFICIENT_RESOURCES);
    // A leg that fails (here its signature) ends that connection's bind: its place is free.
    expect((await half[0]!.bindStart(a, true)).status).toBe(STATUS_ACCESS_DENIED);
    expect((await late.bindStart(a)).status).toBe(STATUS_MORE_PROCESSING_REQUIRED);
    // So does a connection that goes away mid-bind.
    half[1]!.close();
    await new Promise((r) => setTimeout(r, 50));
    const next = await channel(C.SMB2_DIALECT_300);
    expect((await next.bind(a, ALICE.user, ALICE.password)).status).toBe(0);
    // The session itself never noticed.
    expect((await a.treeConnect("export")).status).toBe(0);
    for (const c of [a, ...half, late, next]) c.close();
  });

  it("one connection holds half-made binds of at most MAX_SESSIONS_PER_CONNECTION sessions", async () => {
    const sessions: SmbTestClient[] = [];
    for (let i = 0; i <= MAX_SESSIONS_PER_CONNECTION; i++) {
      const s = await channel(C.SMB2_DIALECT_300);
      expect((await s.sessionSetup(ALICE.user, ALICE.password)).status).toBe(0);
      sessions.push(s);
    }
    const hostile = await channel(C.SMB2_DIALECT_300);
    for (const s of sessions.slice(0, MAX_SESSIONS_PER_CONNECTION))
      expect((await hostile.bindStart(s)).status).toBe(STATUS_MORE_PROCESSING_REQUIRED);
    const extra = sessions[MAX_SESSIONS_PER_CONNECTION]!;
    expect((await hostile.bindStart(extra)).status).toBe(STATUS_INSUFFICIENT_RESOURCES);
    // Nor may it start a session of its own.
    hostile.sessionId = 0n;
    hostile.signingKey = null;
    hostile.sign = false;
    expect((await hostile.sessionSetup(ALICE.user, ALICE.password)).status).toBe(
      STATUS_INSUFFICIENT_RESOURCES,
    );
    // Closing it frees every session's place: each binds a full set of channels again.
    hostile.close();
    await new Promise((r) => setTimeout(r, 50));
    const more: SmbTestClient[] = [];
    for (let i = 1; i < MAX_CHANNELS_PER_SESSION; i++) {
      const c = await channel(C.SMB2_DIALECT_300);
      expect((await c.bindStart(sessions[0]!)).status).toBe(STATUS_MORE_PROCESSING_REQUIRED);
      more.push(c);
    }
    for (const c of [...sessions, ...more]) c.close();
  });

  it("binding below 3.0 is refused (REQUEST_NOT_ACCEPTED)", async () => {
    const a = await SmbTestClient.connect(smb.h.port);
    await a.negotiate([C.SMB2_DIALECT_210]);
    expect((await a.sessionSetup(ALICE.user, ALICE.password)).status).toBe(0);
    const b = await SmbTestClient.connect(smb.h.port);
    await b.negotiate([C.SMB2_DIALECT_210]);
    expect((await b.bind(a, ALICE.user, ALICE.password)).status).toBe(STATUS_REQUEST_NOT_ACCEPTED);
    a.close();
    b.close();
  });
});
