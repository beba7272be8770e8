import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { smbConfigFrom } from "../adapter.ts";
import * as C from "../constants.ts";
import {
  SMB2_OPLOCK_LEVEL_BATCH as BATCH,
  SMB2_LEASE_HANDLE_CACHING as H,
  SMB2_OPLOCK_LEVEL_LEASE as LEASE,
  SMB2_OPLOCK_LEVEL_II as LEVEL_II,
  SMB2_LEASE_READ_CACHING as R,
  SMB2_LEASE_WRITE_CACHING as W,
} from "../leases.ts";
import * as S from "../ntstatus.ts";
import {
  closeBody,
  createBody,
  fileIdOf,
  leaseAckBody,
  leaseOf,
  oplockAckBody,
  writeBody,
} from "../testing/bodies.ts";
import { leaseBreak, leaseOpen } from "../testing/caching.ts";
import { type SmbFixture, useSmbHarness } from "../testing/fixture.ts";
import { ALICE } from "../testing/harness.ts";
import type { SmbTestClient } from "../testing/smb-client.ts";

const NFS_CALLER = { uid: ALICE.uid, gid: ALICE.gid, gids: [] };

/** `a` opens `name` with an RWH V2 lease; the file as NFS finds it. */
async function leaseRWH(fx: SmbFixture, a: SmbTestClient, name: string) {
  const key = randomBytes(16);
  const ra = await leaseOpen(a, name, key, R | H | W, { epoch: 0 });
  expect(leaseOf(ra)?.state).toBe(R | H | W);
  const md = fx.h.metadata;
  const found = await md.lookup(NFS_CALLER, md.rootHandle("/export"), name);
  return { key, ra, found };
}

/** A write from another protocol (NFS's caller) through the file service, as NFS WRITE makes it. */
function otherWrite(fx: SmbFixture, handle: Buffer) {
  const files = fx.h.ctx.files;
  return files.write(files.resolve(NFS_CALLER, handle), {
    offset: 0n,
    data: Buffer.from("n"),
    stability: "unstable",
  });
}

describe("oplocks and leases (CREATE grant, break, acknowledgment)", () => {
  const fx = useSmbHarness();
  const login = fx.login;

  it("grants BATCH alone; a second client's open waits for the break to LEVEL_II and its ack", async () => {
    const [a, b] = [await login(), await login()];
    const ra = await a.send(C.SMB2_CREATE, createBody("batch.txt", { oplock: BATCH }));
    expect([ra.status, ra.body[2]]).toEqual([0, BATCH]);
    let done = false;
    const pb = b.send(C.SMB2_CREATE, createBody("batch.txt", { oplock: BATCH })).then((r) => {
      done = true;
      return r;
    });
    const brk = await a.nextBreak();
    expect(brk.body.readUInt16LE(0)).toBe(24);
    expect(brk.body[2]).toBe(LEVEL_II);
    expect(brk.body.readBigUInt64LE(16)).toBe(fileIdOf(ra).volatile);
    await new Promise((r) => setTimeout(r, 100));
    expect(done).toBe(false);
    const ack = await a.send(C.SMB2_OPLOCK_BREAK, oplockAckBody(fileIdOf(ra), LEVEL_II));
    expect([ack.status, ack.body[2]]).toEqual([0, LEVEL_II]);
    const rb = await pb;
    expect([rb.status, rb.body[2]]).toEqual([0, LEVEL_II]);
    // A write through B ends A's LEVEL_II with a notification to NONE that needs no ack.
    expect((await b.send(C.SMB2_WRITE, writeBody(fileIdOf(rb), 0n, Buffer.from("x")))).status).toBe(0);
    expect((await a.nextBreak()).body[2]).toBe(0);
    const again = await a.send(C.SMB2_OPLOCK_BREAK, oplockAckBody(fileIdOf(ra), 0));
    expect(again.status).toBe(S.STATUS_INVALID_OPLOCK_PROTOCOL);
  });

  it("lets a waiting open go on when the holder's connection goes away instead of acknowledging", async () => {
    const [a, b] = [await login(), await login()];
    expect((await a.send(C.SMB2_CREATE, createBody("gone.txt", { oplock: BATCH }))).body[2]).toBe(BATCH);
    const pb = b.send(C.SMB2_CREATE, createBody("gone.txt", { oplock: BATCH }));
    await a.nextBreak();
    a.close();
    const rb = await pb;
    expect([rb.status, rb.body[2]]).toEqual([0, BATCH]);
  });

  it("refuses acknowledgments for what was never granted", async () => {
    const a = await login([C.SMB2_DIALECT_300]);
    const r = await a.send(C.SMB2_CREATE, createBody("plain.txt"));
    const bad = await a.send(C.SMB2_OPLOCK_BREAK, oplockAckBody(fileIdOf(r), 0));
    expect(bad.status).toBe(S.STATUS_INVALID_OPLOCK_PROTOCOL);
    const lease = await a.send(C.SMB2_OPLOCK_BREAK, leaseAckBody(randomBytes(16), 0));
    expect(lease.status).toBe(S.STATUS_OBJECT_NAME_NOT_FOUND);
  });

  it("grants a V2 lease RWH, breaks it to RH for another client's open, and upgrades on the same key", async () => {
    const [a, b] = [await login([C.SMB2_DIALECT_300]), await login([C.SMB2_DIALECT_300])];
    const keyA = randomBytes(16);
    const ra = await leaseOpen(a, "lease.txt", keyA, R | H | W, { epoch: 0 });
    expect(ra.body[2]).toBe(LEASE);
    expect(leaseOf(ra)).toMatchObject({ key: keyA, state: R | H | W, epoch: 1 });
    const pb = leaseOpen(b, "lease.txt", randomBytes(16), R | H | W, { epoch: 0 });
    const brk = await a.nextBreak();
    expect(brk.body.readUInt16LE(0)).toBe(44);
    expect(Buffer.from(brk.body.subarray(8, 24))).toEqual(keyA);
    expect(leaseBreak(brk)).toEqual([R | H | W, R | H, true]);
    // Keeping W is more than the break allows.
    const over = await a.send(C.SMB2_OPLOCK_BREAK, leaseAckBody(keyA, R | H | W));
    expect(over.status).toBe(S.STATUS_REQUEST_NOT_ACCEPTED);
    const ok = await a.send(C.SMB2_OPLOCK_BREAK, leaseAckBody(keyA, R | H));
    expect([ok.status, ok.body.readUInt32LE(24)]).toEqual([0, R | H]);
    const rb = await pb;
    expect(leaseOf(rb)?.state).toBe(R | H);
    // A second open on A's key shares the lease and gets its current state.
    const ra2 = await leaseOpen(a, "lease.txt", keyA, R, { epoch: 2 });
    expect(leaseOf(ra2)?.state).toBe(R | H);
    // The same key on another file is refused.
    const other = await leaseOpen(a, "other.txt", keyA, R, { epoch: 2 });
    expect(other.status).toBe(S.STATUS_INVALID_PARAMETER);
  });

  it("breaks an SMB lease before an NFS-side write (the file service's change gate) and waits for the ack", async () => {
    const a = await login([C.SMB2_DIALECT_300]);
    const { key, ra, found } = await leaseRWH(fx, a, "cross.txt");
    let written = false;
    const nfsWrite = otherWrite(fx, found.handle).then(() => {
      written = true;
    });
    const brk = await a.nextBreak();
    expect(leaseBreak(brk)).toEqual([R | H | W, 0, true]);
    await new Promise((r) => setTimeout(r, 100));
    expect(written).toBe(false);
    expect((await a.send(C.SMB2_OPLOCK_BREAK, leaseAckBody(key, 0))).status).toBe(0);
    await nfsWrite;
    expect(written).toBe(true);
    // SMB's own calls pass the gate: a write through the lease holder breaks nothing.
    await a.send(C.SMB2_WRITE, writeBody(fileIdOf(ra), 0n, Buffer.from("own")));
    expect(a.breaks).toEqual([]);
    await a.send(C.SMB2_CLOSE, closeBody(fileIdOf(ra)));
  });

  it("breaks an SMB oplock before an NFS-side remove", async () => {
    const a = await login();
    const ra = await a.send(C.SMB2_CREATE, createBody("doomed.txt", { oplock: BATCH }));
    expect(ra.body[2]).toBe(BATCH);
    const md = fx.h.metadata;
    const files = fx.h.ctx.files;
    const removed = files.remove(files.resolve(NFS_CALLER, md.rootHandle("/export")), "doomed.txt");
    const brk = await a.nextBreak();
    expect(brk.body[2]).toBe(0);
    await a.send(C.SMB2_OPLOCK_BREAK, oplockAckBody(fileIdOf(ra), 0));
    await removed;
    await expect(md.lookup(NFS_CALLER, md.rootHandle("/export"), "doomed.txt")).rejects.toThrow();
  });
});

describe("an NFS change and an SMB client that never acknowledges (crossProtocolBreakWaitMs)", () => {
  const fx = useSmbHarness({ settings: { crossProtocolBreakWaitMs: 200 } });

  // The test timeout stays under the 35 s an SMB CREATE waits: without the bound it fails.
  it("downgrades the RWH lease after the bound and lets the NFS-side write go on", {
    timeout: 15_000,
  }, async () => {
    const a = await fx.login([C.SMB2_DIALECT_300]);
    const { key, ra, found } = await leaseRWH(fx, a, "silent.txt");
    await otherWrite(fx, found.handle);
    const brk = await a.nextBreak();
    expect(leaseBreak(brk)).toEqual([R | H | W, 0, true]);
    // The break counted as acknowledged: the lease holds nothing, so a late ack finds no break and
    // the next NFS change breaks nothing.
    expect((await a.send(C.SMB2_OPLOCK_BREAK, leaseAckBody(key, 0))).status).toBe(0xc0000001);
    await otherWrite(fx, found.handle);
    expect(a.breaks).toEqual([]);
    await a.send(C.SMB2_CLOSE, closeBody(fileIdOf(ra)));
  });

  it("defaults the bound to 5 s and refuses one past the 35 s SMB timer, naming the key", () => {
    expect(smbConfigFrom({ host: "127.0.0.1", port: 0 }).crossProtocolBreakWaitMs).toBe(5_000);
    expect(() => smbConfigFrom({ host: "127.0.0.1", port: 0, crossProtocolBreakWaitMs: 36_000 })).toThrow(
      "settings.crossProtocolBreakWaitMs",
    );
  });
});
