import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import {
  SMB2_OPLOCK_LEVEL_BATCH as BATCH,
  SMB2_LEASE_HANDLE_CACHING as H,
  SMB2_LEASE_READ_CACHING as R,
  SMB2_LEASE_FLAG_BREAK_IN_PROGRESS,
  SMB2_LEASE_WRITE_CACHING as W,
} from "../leases.ts";
import * as S from "../ntstatus.ts";
import {
  closeBody,
  createBody,
  fileIdOf,
  leaseAckBody,
  leaseOf,
  renameInfo,
  setInfoBody,
} from "../testing/bodies.ts";
import { leaseBreak, leaseOpen } from "../testing/caching.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import type { SmbResponse } from "../testing/smb-client.ts";

const SMB3 = [C.SMB2_DIALECT_300];

const disposition = (f: ReturnType<typeof fileIdOf>) =>
  setInfoBody(f, C.SMB2_0_INFO_FILE, C.FileDispositionInformation, Buffer.from([1]));

describe("lease and oplock breaks for deletes, renames and contending opens", () => {
  const fx = useSmbHarness();

  it("refuses an open of a delete-pending file without breaking its batch oplock (smb2.oplock.doc)", async () => {
    const [a, b] = [await fx.login(), await fx.login()];
    const ra = await a.send(C.SMB2_CREATE, createBody("doc.txt", { oplock: BATCH }));
    expect(ra.body[2]).toBe(BATCH);
    expect((await a.send(C.SMB2_SET_INFO, disposition(fileIdOf(ra)))).status).toBe(0);
    const rb = await b.send(
      C.SMB2_CREATE,
      createBody("doc.txt", { access: C.FILE_READ_DATA, disposition: C.FILE_OPEN }),
    );
    expect(rb.status).toBe(S.STATUS_DELETE_PENDING);
    expect(a.breaks).toEqual([]);
  });

  it("breaks other leases' H for a delete-on-close open and waits for the ack (smb2.lease.unlink)", async () => {
    const [a, b] = [await fx.login(SMB3), await fx.login(SMB3)];
    const key = randomBytes(16);
    expect(leaseOf(await leaseOpen(a, "unlink.txt", key, R | W | H))?.state).toBe(R | W | H);
    const pb = b.send(
      C.SMB2_CREATE,
      createBody("unlink.txt", { access: C.DELETE, options: C.FILE_DELETE_ON_CLOSE }),
    );
    // W for the open, H because the file is to go: the client closes the handles it keeps.
    expect(leaseBreak(await a.nextBreak())).toEqual([R | W | H, R, true]);
    expect((await a.send(C.SMB2_OPLOCK_BREAK, leaseAckBody(key, R))).status).toBe(0);
    expect((await pb).status).toBe(0);
  });

  it("breaks other leases' H for a delete by SET_INFO disposition, answering once acknowledged", async () => {
    const [a, b] = [await fx.login(SMB3), await fx.login(SMB3)];
    const key = randomBytes(16);
    expect(leaseOf(await leaseOpen(a, "disp.txt", key, R | H))?.state).toBe(R | H);
    const rb = await b.send(C.SMB2_CREATE, createBody("disp.txt", { access: C.DELETE }));
    expect([rb.status, a.breaks.length]).toEqual([0, 0]);
    const set = b.send(C.SMB2_SET_INFO, disposition(fileIdOf(rb)));
    expect(leaseBreak(await a.nextBreak())).toEqual([R | H, R, true]);
    expect((await a.send(C.SMB2_OPLOCK_BREAK, leaseAckBody(key, R))).status).toBe(0);
    expect((await set).status).toBe(0);
  });

  it("renames only once other clients' H leases are broken (smb2.lease.rename_wait)", async () => {
    const [a, b] = [await fx.login(SMB3), await fx.login(SMB3)];
    const key = randomBytes(16);
    expect(leaseOf(await leaseOpen(a, "src.txt", key, R | H))?.state).toBe(R | H);
    const rb = await leaseOpen(b, "src.txt", randomBytes(16), R | H, { access: C.DELETE | C.FILE_READ_DATA });
    expect(leaseOf(rb)?.state).toBe(R | H);
    const renamed = b.send(
      C.SMB2_SET_INFO,
      setInfoBody(fileIdOf(rb), C.SMB2_0_INFO_FILE, C.FileRenameInformation, renameInfo("dst.txt")),
    );
    // The renamer's own lease keeps its H.
    expect(leaseBreak(await a.nextBreak())).toEqual([R | H, R, true]);
    const early = await b.send(C.SMB2_CREATE, createBody("dst.txt", { disposition: C.FILE_OPEN }));
    expect(early.status).toBe(S.STATUS_OBJECT_NAME_NOT_FOUND);
    expect((await a.send(C.SMB2_OPLOCK_BREAK, leaseAckBody(key, R))).status).toBe(0);
    expect((await renamed).status).toBe(0);
    expect(b.breaks).toEqual([]);
  });

  it("grants RWH beside an attributes-only open (smb2.lease.statopen3)", async () => {
    const a = await fx.login(SMB3);
    await a.send(C.SMB2_CREATE, createBody("stat.txt", { access: C.FILE_READ_ATTRIBUTES }));
    const r = await leaseOpen(a, "stat.txt", randomBytes(16), R | W | H, { access: C.FILE_WRITE_DATA });
    expect(leaseOf(r)?.state).toBe(R | W | H);
  });

  it("upgrades a lease only when all asked can be granted (smb2.lease.upgrade3)", async () => {
    const a = await fx.login(SMB3);
    const key = randomBytes(16);
    expect(leaseOf(await leaseOpen(a, "up.txt", key, R))?.state).toBe(R);
    expect(leaseOf(await leaseOpen(a, "up.txt", randomBytes(16), R))?.state).toBe(R);
    // RWH cannot be had while another lease has the file open: the lease stays R.
    expect(leaseOf(await leaseOpen(a, "up.txt", key, R | W | H))?.state).toBe(R);
    expect(leaseOf(await leaseOpen(a, "up.txt", key, R | H))?.state).toBe(R | H);
    expect(a.breaks).toEqual([]);
  });
});

describe("contending opens while a lease break is unacknowledged", () => {
  const fx = useSmbHarness();

  it("breaks on in steps as each ack comes, the waiting opens completing at the end (smb2.lease.breaking3)", async () => {
    const a = await fx.login(SMB3);
    const key = randomBytes(16);
    const ra = await leaseOpen(a, "b3.txt", key, R | W | H);
    expect(leaseOf(ra)?.state).toBe(R | W | H);
    const settled: string[] = [];
    const settle = (what: string) => (r: SmbResponse) => {
      settled.push(what);
      return r;
    };
    const p2 = a.send(C.SMB2_CREATE, createBody("b3.txt")).then(settle("open"));
    expect(leaseBreak(await a.nextBreak())).toEqual([R | W | H, R | H, true]);
    const p3 = a
      .send(C.SMB2_CREATE, createBody("b3.txt", { disposition: C.FILE_OVERWRITE }))
      .then(settle("overwrite"));
    // The same lease key still opens, reporting the state held and the break in progress.
    const same = leaseOf(await leaseOpen(a, "b3.txt", key, R | W | H));
    expect(same).toMatchObject({ state: R | W | H, flags: SMB2_LEASE_FLAG_BREAK_IN_PROGRESS });
    // The overwrite sent no second break while the first is out; its ack starts the next step.
    expect(a.breaks).toEqual([]);
    expect((await a.send(C.SMB2_OPLOCK_BREAK, leaseAckBody(key, R | H))).status).toBe(0);
    expect(leaseBreak(await a.nextBreak())).toEqual([R | H, R, true]);
    expect(settled).toEqual([]);
    expect((await a.send(C.SMB2_OPLOCK_BREAK, leaseAckBody(key, R))).status).toBe(0);
    expect(leaseBreak(await a.nextBreak())).toEqual([R, 0, false]);
    const [r2, r3] = await Promise.all([p2, p3]);
    expect([r2.status, r3.status]).toEqual([0, 0]);
  });

  it("completes an overwrite that needs no acknowledgment while the break is out (smb2.lease.breaking4)", {
    timeout: 15_000,
  }, async () => {
    const a = await fx.login(SMB3);
    const key = randomBytes(16);
    expect(leaseOf(await leaseOpen(a, "b4.txt", key, R | H))?.state).toBe(R | H);
    const over = () => a.send(C.SMB2_CREATE, createBody("b4.txt", { disposition: C.FILE_OVERWRITE }));
    const r2 = await over();
    expect(r2.status).toBe(0);
    expect(leaseBreak(await a.nextBreak())).toEqual([R | H, 0, true]);
    await a.send(C.SMB2_CLOSE, closeBody(fileIdOf(r2)));
    // A second one completes too, and sends nothing more.
    expect((await over()).status).toBe(0);
    const state = leaseOf(await leaseOpen(a, "b4.txt", key, 0));
    expect(state).toMatchObject({ state: R | H, flags: SMB2_LEASE_FLAG_BREAK_IN_PROGRESS });
    expect((await a.send(C.SMB2_OPLOCK_BREAK, leaseAckBody(key, 0))).status).toBe(0);
    expect(a.breaks).toEqual([]);
  });
});
