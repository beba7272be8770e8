import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import {
  SMB2_LEASE_HANDLE_CACHING as H,
  SMB2_LEASE_READ_CACHING as R,
  SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET,
  SMB2_LEASE_WRITE_CACHING as W,
} from "../leases.ts";
import {
  closeBody,
  createBody,
  createContext,
  fileIdOf,
  leaseAckBody,
  leaseOf,
  renameInfo,
  setInfoBody,
  writeBody,
} from "../testing/bodies.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import { ALICE } from "../testing/harness.ts";
import type { SmbResponse, SmbTestClient } from "../testing/smb-client.ts";
import { SmbWriter } from "../wire.ts";
import { serverCapabilities } from "./negotiate.ts";

const LEASE = 0xff;
const SMB3 = [C.SMB2_DIALECT_300];
const NFS_CALLER = { uid: ALICE.uid, gid: ALICE.gid, gids: [] };

/** A V2 lease request (§2.2.13.2.10), with a ParentLeaseKey when `parent` is given. */
function leaseV2(key: Buffer, state: number, parent: Buffer | null = null): Buffer {
  const w = new SmbWriter()
    .bytes(key)
    .u32(state)
    .u32(parent ? SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET : 0)
    .u64(0n);
  w.bytes(parent ?? Buffer.alloc(16))
    .u16(0)
    .u16(0);
  return createContext("RqLs", w.finish());
}

/** [from, to, ack required] of a lease break notification (§2.2.23.2). */
function leaseBreak(r: SmbResponse): [number, number, boolean] {
  return [r.body.readUInt32LE(24), r.body.readUInt32LE(28), (r.body.readUInt32LE(4) & 1) === 1];
}

async function leasedDir(c: SmbTestClient, name: string, key: Buffer) {
  const r = await c.send(
    C.SMB2_CREATE,
    createBody(name, {
      oplock: LEASE,
      access: C.FILE_READ_DATA | C.FILE_READ_ATTRIBUTES,
      options: C.FILE_DIRECTORY_FILE,
      contexts: leaseV2(key, R | W | H),
    }),
  );
  expect(r.status).toBe(0);
  return r;
}

/** `c` creates `name` with a V2 lease of `state` naming the directory lease `parent`. */
function childOfLease(c: SmbTestClient, name: string, state: number, parent: Buffer) {
  return c.send(
    C.SMB2_CREATE,
    createBody(name, { oplock: LEASE, contexts: leaseV2(randomBytes(16), state, parent) }),
  );
}

describe("directory leases", () => {
  const fx = useSmbHarness();

  it("grants a directory RH (W ignored) and breaks it for a name its lease's client did not add", async () => {
    const [a, b] = [await fx.login(SMB3), await fx.login(SMB3)];
    const key = randomBytes(16);
    expect(leaseOf(await leasedDir(a, "d1", key))?.state).toBe(R | H);
    // A's own create naming the directory's lease as its parent keeps it.
    const mine = await childOfLease(a, "d1\\mine.txt", R | W | H, key);
    expect(leaseOf(mine)).toMatchObject({ state: R | W | H, flags: SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET });
    // A break would have come on this connection ahead of the CREATE response.
    expect(a.breaks).toEqual([]);
    expect((await b.send(C.SMB2_CREATE, createBody("d1\\theirs.txt"))).status).toBe(0);
    expect(leaseBreak(await a.nextBreak())).toEqual([R | H, 0, true]);
    expect((await a.send(C.SMB2_OPLOCK_BREAK, leaseAckBody(key, 0))).status).toBe(0);
  });

  it("breaks a directory lease for a name another protocol adds (NFS create through the file service)", async () => {
    const a = await fx.login(SMB3);
    const key = randomBytes(16);
    expect(leaseOf(await leasedDir(a, "d2", key))?.state).toBe(R | H);
    const md = fx.h.metadata;
    const dir = await md.lookup(NFS_CALLER, md.rootHandle("/export"), "d2");
    const files = fx.h.ctx.files;
    await files.create(files.resolve(NFS_CALLER, dir.handle), "nfs.txt", {}, { mode: "guarded" });
    expect(leaseBreak(await a.nextBreak())).toEqual([R | H, 0, true]);
  });

  it("breaks a directory lease when a file written in it is closed, not at the write", async () => {
    const [a, b] = [await fx.login(SMB3), await fx.login(SMB3)];
    const key = randomBytes(16);
    expect(leaseOf(await leasedDir(a, "d3", key))?.state).toBe(R | H);
    const rf = await b.send(C.SMB2_CREATE, createBody("d3\\f.txt"));
    expect(leaseBreak(await a.nextBreak())).toEqual([R | H, 0, true]);
    expect((await a.send(C.SMB2_OPLOCK_BREAK, leaseAckBody(key, 0))).status).toBe(0);
    // The lease asked again is RH once more.
    expect(leaseOf(await leasedDir(a, "d3", key))?.state).toBe(R | H);
    expect((await b.send(C.SMB2_WRITE, writeBody(fileIdOf(rf), 0n, Buffer.from("x")))).status).toBe(0);
    expect(a.breaks).toEqual([]);
    await b.send(C.SMB2_CLOSE, closeBody(fileIdOf(rf)));
    expect(leaseBreak(await a.nextBreak())).toEqual([R | H, 0, true]);
  });

  it("keeps the lease for a rename in it by an open naming it as parent, breaks it for another's", async () => {
    const [a, b] = [await fx.login(SMB3), await fx.login(SMB3)];
    const key = randomBytes(16);
    expect(leaseOf(await leasedDir(a, "d5", key))?.state).toBe(R | H);
    const mine = await childOfLease(a, "d5\\x.txt", R, key);
    const rename = (c: SmbTestClient, r: SmbResponse, to: string) =>
      c.send(
        C.SMB2_SET_INFO,
        setInfoBody(fileIdOf(r), C.SMB2_0_INFO_FILE, C.FileRenameInformation, renameInfo(to)),
      );
    expect((await rename(a, mine, "d5\\y.txt")).status).toBe(0);
    expect(a.breaks).toEqual([]);
    const theirs = await b.send(C.SMB2_CREATE, createBody("d5\\y.txt", { access: C.DELETE }));
    expect(a.breaks).toEqual([]);
    expect((await rename(b, theirs, "d5\\z.txt")).status).toBe(0);
    expect(leaseBreak(await a.nextBreak())).toEqual([R | H, 0, true]);
  });

  it("renames a directory once a client caching a directory below it closed that handle", async () => {
    const [a, b] = [await fx.login(SMB3), await fx.login(SMB3)];
    await b.send(C.SMB2_CREATE, createBody("p6", { options: C.FILE_DIRECTORY_FILE }));
    const below = await leasedDir(a, "p6\\q", randomBytes(16));
    expect(leaseOf(below)?.state).toBe(R | H);
    const rp = await b.send(
      C.SMB2_CREATE,
      createBody("p6", { access: C.DELETE | C.FILE_READ_ATTRIBUTES, options: C.FILE_DIRECTORY_FILE }),
    );
    const renamed = b.send(
      C.SMB2_SET_INFO,
      setInfoBody(fileIdOf(rp), C.SMB2_0_INFO_FILE, C.FileRenameInformation, renameInfo("p7")),
    );
    expect(leaseBreak(await a.nextBreak())).toEqual([R | H, R, true]);
    // The client closes the handle it cached instead of keeping it (the Linux client's way).
    await a.send(C.SMB2_CLOSE, closeBody(fileIdOf(below)));
    expect((await renamed).status).toBe(0);
  });

  it("advertises SMB2_GLOBAL_CAP_DIRECTORY_LEASING from SMB 3.0 on", () => {
    expect(serverCapabilities(C.SMB2_DIALECT_300) & C.SMB2_GLOBAL_CAP_DIRECTORY_LEASING).not.toBe(0);
    expect(serverCapabilities(C.SMB2_DIALECT_210) & C.SMB2_GLOBAL_CAP_DIRECTORY_LEASING).toBe(0);
  });

  it("grants no lease on a directory over SMB 2.1 (V1 leases are for files)", async () => {
    const a = await fx.login([C.SMB2_DIALECT_210]);
    const r = await a.send(
      C.SMB2_CREATE,
      createBody("d4", {
        oplock: LEASE,
        options: C.FILE_DIRECTORY_FILE,
        contexts: leaseV2(randomBytes(16), R | H),
      }),
    );
    expect([r.status, r.body[2], leaseOf(r)]).toEqual([0, 0, null]);
  });
});
