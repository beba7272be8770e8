/**
 * A rename, a server-side copy, the sparse-file FSCTLs and SET_INFO basic decided by stored ACLs, as reads,
 * writes and creates are: the modes (NFS's approximation of the ACLs) give Bob nothing, the ACLs
 * grant him what each needs ([MS-SMB2] §3.3.5.21.1, §3.3.5.15.6; [MS-FSA] §2.1.5.10); a
 * directory's ACL withholding FILE_ADD_SUBDIRECTORY refuses an arrival the owner class's w would
 * let through.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import { sid } from "../info/security.ts";
import * as S from "../ntstatus.ts";
import { GENERIC_READ_FILE, SEE, setDacl } from "../testing/acl.ts";
import {
  closeBody,
  createBody,
  daclSd,
  ioctlBody,
  open,
  readBody,
  renameInfo,
  setInfoBody,
  writeFile,
} from "../testing/bodies.ts";
import { shareInfo } from "../testing/context.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import { ALICE, BOB } from "../testing/harness.ts";
import { type FileId, type SmbResponse, SmbTestClient } from "../testing/smb-client.ts";
import { SmbWriter } from "../wire.ts";

const rename = (c: SmbTestClient, f: FileId, to: string, replace = false) =>
  c.send(
    C.SMB2_SET_INFO,
    setInfoBody(f, C.SMB2_0_INFO_FILE, C.FileRenameInformation, renameInfo(to, replace)),
  );

describe("stored ACLs decide SMB renames", () => {
  const smb = useSmbHarness({ shares: [shareInfo("/team")] });
  const login = (u: { user: string; password: string }) =>
    SmbTestClient.login(smb.h.port, u.user, u.password, "team");

  it("moves a file whose ACL grants DELETE into a directory whose ACL grants FILE_ADD_FILE", async () => {
    const alice = await login(ALICE);
    for (const d of ["from", "to"]) {
      const made = await open(alice, d, { disposition: C.FILE_CREATE, options: C.FILE_DIRECTORY_FILE });
      await alice.send(C.SMB2_CLOSE, closeBody(made));
    }
    await writeFile(alice, "from\\f.txt", Buffer.from("moved"));
    // Bob may see "from" but not change it, add files to "to", and delete f.txt.
    await setDacl(alice, "from", SEE, true);
    await setDacl(alice, "to", SEE | C.FILE_ADD_FILE, true);
    await setDacl(alice, "from\\f.txt", C.DELETE | C.FILE_READ_ATTRIBUTES | C.SYNCHRONIZE);
    const bob = await login(BOB);
    const f = await open(bob, "from\\f.txt", { access: C.DELETE, disposition: C.FILE_OPEN });
    expect((await rename(bob, f, "to\\g.txt")).status).toBe(0);
    await bob.send(C.SMB2_CLOSE, closeBody(f));
    const gone = await alice.send(C.SMB2_CREATE, createBody("from\\f.txt", { disposition: C.FILE_OPEN }));
    expect(gone.status).toBe(S.STATUS_OBJECT_NAME_NOT_FOUND);
    const moved = await open(alice, "to\\g.txt", { access: C.FILE_READ_DATA, disposition: C.FILE_OPEN });
    const r = await alice.send(C.SMB2_READ, readBody(moved, 0n, 5));
    expect(r.msg.subarray(r.body.readUInt8(2), r.body.readUInt8(2) + 5).toString()).toBe("moved");
    bob.close();
    alice.close();
  });

  it("replaces a file only when its ACL grants the renamer DELETE", async () => {
    const [alice, bob] = [await login(ALICE), await login(BOB)];
    for (const [c, d] of [
      [alice, "shared"],
      [bob, "bobdir"],
    ] as const) {
      const made = await open(c, d, { disposition: C.FILE_CREATE, options: C.FILE_DIRECTORY_FILE });
      await c.send(C.SMB2_CLOSE, closeBody(made));
    }
    for (const f of ["keep.txt", "gone.txt"]) await writeFile(alice, `shared\\${f}`, Buffer.from(f));
    for (const f of ["m1.txt", "m2.txt"]) await writeFile(bob, `bobdir\\${f}`, Buffer.from(f));
    // Bob may add to "shared" but not delete from it (no FILE_DELETE_CHILD).
    await setDacl(alice, "shared", SEE | C.FILE_ADD_FILE, true);
    await setDacl(alice, "shared\\keep.txt", GENERIC_READ_FILE);
    await setDacl(alice, "shared\\gone.txt", GENERIC_READ_FILE | C.DELETE);
    const m1 = await open(bob, "bobdir\\m1.txt", { access: C.DELETE, disposition: C.FILE_OPEN });
    expect((await rename(bob, m1, "shared\\keep.txt", true)).status).toBe(S.STATUS_ACCESS_DENIED);
    const m2 = await open(bob, "bobdir\\m2.txt", { access: C.DELETE, disposition: C.FILE_OPEN });
    expect((await rename(bob, m2, "shared\\gone.txt", true)).status).toBe(0);
    bob.close();
    alice.close();
  });

  it("links into a directory whose ACL grants FILE_ADD_FILE, not into one whose ACL withholds it", async () => {
    const [alice, bob] = [await login(ALICE), await login(BOB)];
    for (const d of ["links", "nolinks"]) {
      const made = await open(alice, d, { disposition: C.FILE_CREATE, options: C.FILE_DIRECTORY_FILE });
      await alice.send(C.SMB2_CLOSE, closeBody(made));
    }
    await setDacl(alice, "links", SEE | C.FILE_ADD_FILE, true);
    await setDacl(alice, "nolinks", SEE, true);
    await writeFile(bob, "linked.txt", Buffer.from("l"));
    const f = await open(bob, "linked.txt", { access: C.FILE_READ_ATTRIBUTES, disposition: C.FILE_OPEN });
    const link = (to: string) =>
      bob.send(C.SMB2_SET_INFO, setInfoBody(f, C.SMB2_0_INFO_FILE, C.FileLinkInformation, renameInfo(to)));
    expect((await link("links\\l.txt")).status).toBe(0);
    expect((await link("nolinks\\l.txt")).status).toBe(S.STATUS_ACCESS_DENIED);
    bob.close();
    alice.close();
  });

  it("refuses a directory into one whose ACL withholds FILE_ADD_SUBDIRECTORY from its owner", async () => {
    const bob = await login(BOB);
    const own = await open(bob, "bobs", {
      disposition: C.FILE_CREATE,
      options: C.FILE_DIRECTORY_FILE,
      access: C.WRITE_DAC | C.READ_CONTROL,
    });
    // FILE_ADD_FILE (WRITE_DATA) gives the owner class w, which would let a directory in too.
    const sd = daclSd([[0, 0, SEE | C.FILE_ADD_FILE | C.READ_CONTROL | C.WRITE_DAC, sid(22, 1, BOB.uid)]]);
    const set = setInfoBody(own, C.SMB2_0_INFO_SECURITY, 0, sd, C.DACL_SECURITY_INFORMATION);
    expect((await bob.send(C.SMB2_SET_INFO, set)).status).toBe(0);
    const mkdir = createBody("bobs\\sub", { disposition: C.FILE_CREATE, options: C.FILE_DIRECTORY_FILE });
    expect((await bob.send(C.SMB2_CREATE, mkdir)).status).toBe(S.STATUS_ACCESS_DENIED);
    const d = await open(bob, "loose", {
      disposition: C.FILE_CREATE,
      options: C.FILE_DIRECTORY_FILE,
      access: C.DELETE,
    });
    expect((await rename(bob, d, "bobs\\loose")).status).toBe(S.STATUS_ACCESS_DENIED);
    // A file may still arrive.
    const f = await open(bob, "loose.txt", { disposition: C.FILE_CREATE, access: C.DELETE });
    expect((await rename(bob, f, "bobs\\loose.txt")).status).toBe(0);
    bob.close();
  });
});

const output = (r: SmbResponse) =>
  r.msg.subarray(r.body.readUInt32LE(32), r.body.readUInt32LE(32) + r.body.readUInt32LE(36));

describe("stored ACLs decide FSCTL_SRV_COPYCHUNK_WRITE", () => {
  const smb = useSmbHarness({ shares: [shareInfo("/team")] });

  it("copies from a file whose ACL grants read into one whose ACL grants write", async () => {
    const alice = await SmbTestClient.login(smb.h.port, ALICE.user, ALICE.password, "team");
    const data = randomBytes(70_000);
    await writeFile(alice, "a.bin", data);
    await writeFile(alice, "b.bin", Buffer.alloc(0));
    await setDacl(alice, "a.bin", GENERIC_READ_FILE);
    await setDacl(
      alice,
      "b.bin",
      C.FILE_READ_DATA | C.FILE_WRITE_DATA | C.FILE_READ_ATTRIBUTES | C.SYNCHRONIZE,
    );
    const bob = await SmbTestClient.login(smb.h.port, BOB.user, BOB.password, "team");
    const src = await open(bob, "a.bin", { access: C.FILE_READ_DATA, disposition: C.FILE_OPEN });
    const dst = await open(bob, "b.bin", {
      access: C.FILE_READ_DATA | C.FILE_WRITE_DATA,
      disposition: C.FILE_OPEN,
    });
    const keyReply = await bob.send(
      C.SMB2_IOCTL,
      ioctlBody(C.FSCTL_SRV_REQUEST_RESUME_KEY, Buffer.alloc(0), 32, src),
    );
    const key = output(keyReply).subarray(0, 24);
    const input = new SmbWriter().bytes(key).u32(1).u32(0).u64(0n).u64(0n).u32(data.length).u32(0).finish();
    const r = await bob.send(C.SMB2_IOCTL, ioctlBody(C.FSCTL_SRV_COPYCHUNK_WRITE, input, 12, dst));
    expect(r.status).toBe(0);
    expect(output(r).readUInt32LE(8)).toBe(data.length);
    const back = await open(alice, "b.bin", { access: C.FILE_READ_DATA, disposition: C.FILE_OPEN });
    const got = await alice.send(C.SMB2_READ, readBody(back, 0n, data.length));
    expect(got.msg.subarray(got.body.readUInt8(2), got.body.readUInt8(2) + data.length).equals(data)).toBe(
      true,
    );
    bob.close();
    alice.close();
  });
});

describe("stored ACLs decide the sparse-file FSCTLs", () => {
  const smb = useSmbHarness({ shares: [shareInfo("/team")] });

  it("sets sparse, zeroes and lists the allocated ranges of a file whose ACL grants read and write", async () => {
    const alice = await SmbTestClient.login(smb.h.port, ALICE.user, ALICE.password, "team");
    await writeFile(alice, "s.bin", Buffer.alloc(8192, 7));
    await setDacl(
      alice,
      "s.bin",
      C.FILE_READ_DATA | C.FILE_WRITE_DATA | C.FILE_READ_ATTRIBUTES | C.SYNCHRONIZE,
    );
    const bob = await SmbTestClient.login(smb.h.port, BOB.user, BOB.password, "team");
    const f = await open(bob, "s.bin", {
      access: C.FILE_READ_DATA | C.FILE_WRITE_DATA,
      disposition: C.FILE_OPEN,
    });
    const fsctl = (code: number, input: Buffer, out = 0) =>
      bob.send(C.SMB2_IOCTL, ioctlBody(code, input, out, f));
    expect((await fsctl(C.FSCTL_SET_SPARSE, Buffer.from([1]))).status).toBe(0);
    const zero = new SmbWriter().u64(0n).u64(4096n).finish();
    expect((await fsctl(C.FSCTL_SET_ZERO_DATA, zero)).status).toBe(0);
    const whole = new SmbWriter().u64(0n).u64(8192n).finish();
    const ranges = await fsctl(C.FSCTL_QUERY_ALLOCATED_RANGES, whole, 64);
    expect(ranges.status).toBe(0);
    expect([output(ranges).readBigUInt64LE(0), output(ranges).readBigUInt64LE(8)]).toEqual([4096n, 4096n]);
    bob.close();
    alice.close();
  });
});

describe("stored ACLs decide SET_INFO FileBasicInformation", () => {
  const smb = useSmbHarness({ shares: [shareInfo("/team")] });

  it("sets times and attributes through an open whose ACL grants FILE_WRITE_ATTRIBUTES to a non-owner", async () => {
    const alice = await SmbTestClient.login(smb.h.port, ALICE.user, ALICE.password, "team");
    await writeFile(alice, "t.txt", Buffer.from("t"));
    await setDacl(alice, "t.txt", GENERIC_READ_FILE | C.FILE_WRITE_ATTRIBUTES);
    const bob = await SmbTestClient.login(smb.h.port, BOB.user, BOB.password, "team");
    const f = await open(bob, "t.txt", { access: C.FILE_WRITE_ATTRIBUTES, disposition: C.FILE_OPEN });
    // 2020-01-01T00:00:00Z as a FILETIME; FILE_ATTRIBUTE_HIDDEN.
    const when = 132223104000000000n;
    const basic = new SmbWriter()
      .u64(0n)
      .u64(0n)
      .u64(when)
      .u64(0n)
      .u32(C.FILE_ATTRIBUTE_HIDDEN)
      .u32(0)
      .finish();
    const set = setInfoBody(f, C.SMB2_0_INFO_FILE, C.FileBasicInformation, basic);
    expect((await bob.send(C.SMB2_SET_INFO, set)).status).toBe(0);
    const md = smb.h.metadata;
    const attr = (await md.lookup({ uid: 0, gid: 0, gids: [] }, md.rootHandle("/team"), "t.txt")).attr;
    expect([attr.mtime.sec, attr.dosAttributes & C.FILE_ATTRIBUTE_HIDDEN]).toEqual([
      1577836800,
      C.FILE_ATTRIBUTE_HIDDEN,
    ]);
    bob.close();
    alice.close();
  });
});
