import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import * as C from "./constants.ts";
import * as S from "./ntstatus.ts";
import {
  closeBody,
  createContexts as contexts,
  createBody,
  createContext,
  fileIdOf,
  ioctlBody,
  leaseContext,
  leaseOf,
  lockBody,
  readBody,
  writeBody,
} from "./testing/bodies.ts";
import { useSmbHarness } from "./testing/fixture.ts";
import { BOB } from "./testing/harness.ts";
import { type FileId, type SmbResponse, SmbTestClient } from "./testing/smb-client.ts";
import { SmbWriter } from "./wire.ts";

const BATCH = 0x09;
const LEASE = 0xff;
const RH = 0x03;

const dhnq = () => createContext("DHnQ", Buffer.alloc(16));
const dhnc = (f: FileId) => createContext("DHnC", new SmbWriter().u64(f.persistent).u64(f.volatile).finish());
const dh2q = (timeoutMs: number, guid: Buffer) =>
  createContext("DH2Q", new SmbWriter().u32(timeoutMs).u32(0).u64(0n).bytes(guid).finish());
const dh2c = (f: FileId, guid: Buffer) =>
  createContext("DH2C", new SmbWriter().u64(f.persistent).u64(f.volatile).bytes(guid).u32(0).finish());

/** Names of a CREATE response's contexts. */
function contextNames(r: SmbResponse): string[] {
  const off = r.body.readUInt32LE(80);
  const len = r.body.readUInt32LE(84);
  const names: string[] = [];
  for (let at = off - 64; len > 0; ) {
    const next = r.body.readUInt32LE(at);
    const nameOff = r.body.readUInt16LE(at + 4);
    names.push(r.body.subarray(at + nameOff, at + nameOff + r.body.readUInt16LE(at + 6)).toString("latin1"));
    if (next === 0) break;
    at += next;
  }
  return names;
}

describe("durable handles (MS-SMB2 3.3.5.9.6-3.3.5.9.12)", () => {
  const fx = useSmbHarness();

  const smbClientIds = () =>
    new Set(
      fx.h.ctx.clients
        .list()
        .filter((c) => c.protocol === "smb")
        .map((c) => c.id),
    );

  /** Logs in as ALICE and returns the client with its id in the client registry. */
  async function loginTracked(): Promise<{ c: SmbTestClient; id: string }> {
    const before = smbClientIds();
    const c = await fx.login([C.SMB2_DIALECT_300]);
    const id = [...smbClientIds()].find((x) => !before.has(x));
    if (!id) throw new Error("the new connection is not in the client registry");
    return { c, id };
  }

  /** Drops the connection from the daemon side (the admin's disconnect) and waits for its teardown. */
  async function drop(id: string): Promise<void> {
    expect(fx.h.ctx.clients.disconnect(id)).toBe("ok");
    for (let i = 0; smbClientIds().has(id); i++) {
      if (i > 500) throw new Error("the connection's teardown never finished");
      await sleep(10);
    }
  }

  it("a DHnQ batch open outlives its connection: DHnC returns the same FileId with its oplock and lock", async () => {
    const { c: a, id } = await loginTracked();
    const name = `durable-${randomBytes(4).toString("hex")}`;
    const ra = await a.send(C.SMB2_CREATE, createBody(name, { oplock: BATCH, contexts: dhnq() }));
    expect(ra.status).toBe(0);
    expect(ra.body[2]).toBe(BATCH);
    expect(contextNames(ra)).toContain("DHnQ");
    const f = fileIdOf(ra);
    expect((await a.send(C.SMB2_WRITE, writeBody(f, 0n, Buffer.from("hello")))).status).toBe(0);
    const lock = { offset: 0n, length: 10n, flags: C.SMB2_LOCKFLAG_EXCLUSIVE_LOCK };
    expect((await a.send(C.SMB2_LOCK, lockBody(f, [lock]))).status).toBe(0);
    await drop(id);

    const c = await fx.login([C.SMB2_DIALECT_300]);
    // Every field but the name and the contexts is ignored on a reconnect (smb2.durable-open.reopen2).
    const rc = await c.send(
      C.SMB2_CREATE,
      // The Linux client's QFid beside DHnC is tolerated.
      createBody("elsewhere", {
        disposition: 0x1234,
        contexts: contexts(dhnc(f), createContext("QFid", Buffer.alloc(0))),
      }),
    );
    expect(rc.status).toBe(0);
    expect(fileIdOf(rc)).toEqual(f);
    expect(rc.body[2]).toBe(BATCH);
    expect(rc.body.readUInt32LE(4)).toBe(C.FILE_OPENED);
    expect((await c.send(C.SMB2_WRITE, writeBody(f, 5n, Buffer.from("world")))).status).toBe(0);
    const read = await c.send(C.SMB2_READ, readBody(f, 0n, 64));
    expect(read.body.subarray(16, 26).toString()).toBe("helloworld");
    // The byte-range lock came along: unlocking it succeeds (RANGE_NOT_LOCKED if it were gone).
    const unlock = { ...lock, flags: C.SMB2_LOCKFLAG_UNLOCK };
    expect((await c.send(C.SMB2_LOCK, lockBody(f, [unlock]))).status).toBe(0);
    // Reconnected, it is connected again: a second DHnC finds nothing to take over.
    expect((await c.send(C.SMB2_CREATE, createBody(name, { contexts: dhnc(f) }))).status).toBe(
      S.STATUS_OBJECT_NAME_NOT_FOUND,
    );
    expect((await c.send(C.SMB2_CLOSE, closeBody(f))).status).toBe(0);
  });

  it("a DH2Q lease open reconnects with DH2C only with its CreateGuid and lease key, and not as another user", async () => {
    const { c: a, id } = await loginTracked();
    const name = `durable-v2-${randomBytes(4).toString("hex")}`;
    const guid = randomBytes(16);
    const key = randomBytes(16);
    const ra = await a.send(
      C.SMB2_CREATE,
      createBody(name, { oplock: LEASE, contexts: contexts(leaseContext(key, RH), dh2q(0, guid)) }),
    );
    expect(ra.status).toBe(0);
    expect(contextNames(ra)).toContain("DH2Q");
    const f = fileIdOf(ra);
    await drop(id);

    const bob = await SmbTestClient.login(fx.h.port, BOB.user, BOB.password, "export", [C.SMB2_DIALECT_300]);
    try {
      const denied = await bob.send(
        C.SMB2_CREATE,
        createBody(name, { oplock: LEASE, contexts: contexts(leaseContext(key, RH), dh2c(f, guid)) }),
      );
      expect(denied.status).toBe(S.STATUS_ACCESS_DENIED);
    } finally {
      bob.close();
    }
    const c = await fx.login([C.SMB2_DIALECT_300]);
    const wrongGuid = contexts(leaseContext(key, RH), dh2c(f, randomBytes(16)));
    expect(
      (await c.send(C.SMB2_CREATE, createBody(name, { oplock: LEASE, contexts: wrongGuid }))).status,
    ).toBe(S.STATUS_OBJECT_NAME_NOT_FOUND);
    // The lease key is ClientGuid + LeaseKey: this connection's ClientGuid differs from a's.
    expect((await c.send(C.SMB2_CREATE, createBody(name, { contexts: dh2c(f, guid) }))).status).toBe(
      S.STATUS_OBJECT_NAME_NOT_FOUND,
    );
  });

  it("a conflicting open closes a disconnected durable open; the scavenger closes one nobody reclaims", async () => {
    const { c: a, id } = await loginTracked();
    const name = `durable-gone-${randomBytes(4).toString("hex")}`;
    const f = fileIdOf(
      await a.send(C.SMB2_CREATE, createBody(name, { oplock: BATCH, share: 0, contexts: dhnq() })),
    );
    await drop(id);
    const b = await fx.login([C.SMB2_DIALECT_300]);
    // Deny-all share mode and a batch oplock nobody can acknowledge: the new open goes through.
    const rb = await b.send(C.SMB2_CREATE, createBody(name, { disposition: C.FILE_OPEN }));
    expect(rb.status).toBe(0);
    expect((await b.send(C.SMB2_CREATE, createBody(name, { contexts: dhnc(f) }))).status).toBe(
      S.STATUS_OBJECT_NAME_NOT_FOUND,
    );
    await b.send(C.SMB2_CLOSE, closeBody(fileIdOf(rb)));

    // DH2Q Timeout 1 ms: the scavenger releases the exclusive lock right after the disconnect.
    const { c: a2, id: id2 } = await loginTracked();
    const guid = randomBytes(16);
    const r2 = await a2.send(C.SMB2_CREATE, createBody(name, { oplock: BATCH, contexts: dh2q(1, guid) }));
    expect(contextNames(r2)).toContain("DH2Q");
    const f2 = fileIdOf(r2);
    const lock = {
      offset: 0n,
      length: 10n,
      flags: C.SMB2_LOCKFLAG_EXCLUSIVE_LOCK | C.SMB2_LOCKFLAG_FAIL_IMMEDIATELY,
    };
    expect((await a2.send(C.SMB2_LOCK, lockBody(f2, [lock]))).status).toBe(0);
    await drop(id2);
    // A stat-only open breaks nothing and conflicts with no share mode.
    const stat = fileIdOf(
      await b.send(
        C.SMB2_CREATE,
        createBody(name, { access: C.FILE_READ_ATTRIBUTES, disposition: C.FILE_OPEN }),
      ),
    );
    for (let i = 0; (await b.send(C.SMB2_LOCK, lockBody(stat, [lock]))).status !== 0; i++) {
      if (i > 500) throw new Error("the disconnected open's lock was never released");
      await sleep(10);
    }
    expect((await b.send(C.SMB2_CREATE, createBody(name, { contexts: dh2c(f2, guid) }))).status).toBe(
      S.STATUS_OBJECT_NAME_NOT_FOUND,
    );
  });

  it("is granted only with a batch oplock or a handle-caching lease, and refuses contradicting contexts", async () => {
    const a = await fx.login([C.SMB2_DIALECT_300]);
    const name = `durable-not-${randomBytes(4).toString("hex")}`;
    const plain = await a.send(C.SMB2_CREATE, createBody(name, { contexts: dhnq() }));
    expect(plain.status).toBe(0);
    expect(contextNames(plain)).not.toContain("DHnQ");
    await a.send(C.SMB2_CLOSE, closeBody(fileIdOf(plain)));
    const rw = await a.send(
      C.SMB2_CREATE,
      createBody(name, { oplock: LEASE, contexts: contexts(leaseContext(randomBytes(16), 0x05), dhnq()) }),
    );
    expect(leaseOf(rw)?.state).toBe(0x05);
    expect(contextNames(rw)).not.toContain("DHnQ");
    await a.send(C.SMB2_CLOSE, closeBody(fileIdOf(rw)));
    const both = contexts(dhnq(), dh2q(0, randomBytes(16)));
    expect((await a.send(C.SMB2_CREATE, createBody(name, { oplock: BATCH, contexts: both }))).status).toBe(
      S.STATUS_INVALID_PARAMETER,
    );
  });

  it("a CREATE replay from another user with the same ClientGuid and CreateGuid cannot take a disconnected open", async () => {
    const { c: a, id } = await loginTracked();
    const name = `durable-${randomBytes(4).toString("hex")}`;
    const body = createBody(name, { oplock: BATCH, contexts: dh2q(0, randomBytes(16)) });
    expect((await a.send(C.SMB2_CREATE, body)).status).toBe(0);
    await drop(id);
    // Both GUIDs cross the wire in clear unless sealed: a peer that saw them replays the CREATE.
    const bob = await SmbTestClient.connect(fx.h.port);
    try {
      await bob.negotiate([C.SMB2_DIALECT_300], C.SMB2_NEGOTIATE_SIGNING_ENABLED, 0, a.lastClientGuid!);
      expect((await bob.sessionSetup(BOB.user, BOB.password)).status).toBe(0);
      expect((await bob.treeConnect("export")).status).toBe(0);
      const stolen = await bob.send(C.SMB2_CREATE, body, { flags: 0x20000000 }); // SMB2_FLAGS_REPLAY_OPERATION
      expect(stolen.status).toBe(S.STATUS_ACCESS_DENIED);
    } finally {
      bob.close();
    }
  });

  it("a replayed LOCK (same LockSequence index and number) is answered without being done, also after a reconnect", async () => {
    const { c: a, id } = await loginTracked();
    const name = `durable-lockseq-${randomBytes(4).toString("hex")}`;
    const f = fileIdOf(await a.send(C.SMB2_CREATE, createBody(name, { oplock: BATCH, contexts: dhnq() })));
    const X = C.SMB2_LOCKFLAG_EXCLUSIVE_LOCK | C.SMB2_LOCKFLAG_FAIL_IMMEDIATELY;
    const U = C.SMB2_LOCKFLAG_UNLOCK;
    /** LOCK of [100, 200) with LockSequenceIndex `index` and LockSequenceNumber `n`: its status. */
    const lock = async (c: SmbTestClient, flags: number, index: number, n: number) =>
      (await c.send(C.SMB2_LOCK, lockBody(f, [{ offset: 100n, length: 100n, flags }], (index << 4) | n)))
        .status;
    expect(await lock(a, X, 1, 1)).toBe(0);
    expect(await lock(a, X, 1, 1)).toBe(0); // a replay: not a second lock (which the first would refuse)
    expect(await lock(a, X, 1, 2)).toBe(S.STATUS_LOCK_NOT_GRANTED);
    expect(await lock(a, U, 64, 1)).toBe(0);
    expect(await lock(a, U, 64, 1)).toBe(0); // a replayed unlock: not RANGE_NOT_LOCKED
    expect(await lock(a, X, 2, 3)).toBe(0);
    await drop(id);

    const c = await fx.login([C.SMB2_DIALECT_300]);
    expect((await c.send(C.SMB2_CREATE, createBody(name, { contexts: dhnc(f) }))).status).toBe(0);
    // The client resends the LOCK it got no answer to: the LockSequenceArray came with the open.
    expect(await lock(c, X, 2, 3)).toBe(0);
    // Index 0 and 65 are never checked: the lock is refused, and there is exactly one to unlock.
    expect(await lock(c, X, 0, 3)).toBe(S.STATUS_LOCK_NOT_GRANTED);
    expect(await lock(c, X, 65, 3)).toBe(S.STATUS_LOCK_NOT_GRANTED);
    expect(await lock(c, U, 0, 0)).toBe(0);
    expect(await lock(c, U, 0, 0)).toBe(S.STATUS_RANGE_NOT_LOCKED);
    expect((await c.send(C.SMB2_CLOSE, closeBody(f))).status).toBe(0);

    // A plain open on a connection without multichannel is not checked (Windows and Samba alike).
    const plain = fileIdOf(await c.send(C.SMB2_CREATE, createBody(name)));
    const plainLock = async (index: number, n: number) =>
      (await c.send(C.SMB2_LOCK, lockBody(plain, [{ offset: 0n, length: 1n, flags: X }], (index << 4) | n)))
        .status;
    expect(await plainLock(1, 1)).toBe(0);
    expect(await plainLock(1, 1)).toBe(S.STATUS_LOCK_NOT_GRANTED);
    await c.send(C.SMB2_CLOSE, closeBody(plain));

    // On 2.0.2 the field is Reserved: a durable open's LOCKs are not checked either.
    const old = await fx.login([C.SMB2_DIALECT_202]);
    const d = fileIdOf(await old.send(C.SMB2_CREATE, createBody(name, { oplock: BATCH, contexts: dhnq() })));
    const oldLock = async () =>
      (await old.send(C.SMB2_LOCK, lockBody(d, [{ offset: 0n, length: 1n, flags: X }], 0x11))).status;
    expect(await oldLock()).toBe(0);
    expect(await oldLock()).toBe(S.STATUS_LOCK_NOT_GRANTED);
  });

  it("FSCTL_LMR_REQUEST_RESILIENCY makes a plain open resilient: LOCK replays are recognised and it outlives its connection", async () => {
    const { c: a, id } = await loginTracked();
    const name = `resilient-${randomBytes(4).toString("hex")}`;
    const f = fileIdOf(await a.send(C.SMB2_CREATE, createBody(name)));
    const resiliency = (timeoutMs: number, bytes = 8) => {
      const input = Buffer.alloc(bytes);
      if (bytes >= 4) input.writeUInt32LE(timeoutMs, 0);
      return ioctlBody(C.FSCTL_LMR_REQUEST_RESILIENCY, input, 0, f);
    };
    expect((await a.send(C.SMB2_IOCTL, resiliency(1000, 4))).status).toBe(S.STATUS_INVALID_PARAMETER);
    expect((await a.send(C.SMB2_IOCTL, resiliency(10 * 60 * 1000))).status).toBe(S.STATUS_INVALID_PARAMETER);
    const X = C.SMB2_LOCKFLAG_EXCLUSIVE_LOCK | C.SMB2_LOCKFLAG_FAIL_IMMEDIATELY;
    const lock = async (c: SmbTestClient, seq: number) =>
      (await c.send(C.SMB2_LOCK, lockBody(f, [{ offset: 0n, length: 10n, flags: X }], seq))).status;
    // Not resilient yet: LockSequence is not checked, a second lock is refused.
    expect(await lock(a, 0x11)).toBe(0);
    expect(await lock(a, 0x11)).toBe(S.STATUS_LOCK_NOT_GRANTED);
    expect((await a.send(C.SMB2_IOCTL, resiliency(0))).status).toBe(0);
    expect(await lock(a, 0x22)).toBe(S.STATUS_LOCK_NOT_GRANTED);
    expect(
      (await a.send(C.SMB2_LOCK, lockBody(f, [{ offset: 0n, length: 10n, flags: 4 }], 0x33))).status,
    ).toBe(0);
    expect(await lock(a, 0x44)).toBe(0);
    expect(await lock(a, 0x44)).toBe(0); // a replay
    await drop(id);

    const c = await fx.login([C.SMB2_DIALECT_300]);
    expect((await c.send(C.SMB2_CREATE, createBody(name, { contexts: dhnc(f) }))).status).toBe(0);
    expect(await lock(c, 0x44)).toBe(0); // still a replay after the reconnect
    expect(await lock(c, 0x45)).toBe(S.STATUS_LOCK_NOT_GRANTED);
    expect((await c.send(C.SMB2_CLOSE, closeBody(f))).status).toBe(0);
  });
});
