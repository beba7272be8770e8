import { beforeEach, describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import { sid } from "../info/security.ts";
import * as S from "../ntstatus.ts";
import {
  closeBody,
  createBody,
  daclSd,
  open,
  queryInfoBody,
  renameInfo,
  setInfoBody,
  writeFile,
} from "../testing/bodies.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import { ALICE, BOB } from "../testing/harness.ts";
import type { SmbTestClient } from "../testing/smb-client.ts";
import { SmbWriter } from "../wire.ts";

describe("SET_INFO", () => {
  const smb = useSmbHarness();
  let c: SmbTestClient;
  const who = { uid: 0, gid: 0, gids: [] };
  beforeEach(async () => {
    c = await smb.login();
  });
  const root = () => smb.h.metadata.rootHandle("/export");
  const set = (f: Parameters<typeof setInfoBody>[0], cls: number, data: Buffer) =>
    c.send(C.SMB2_SET_INFO, setInfoBody(f, C.SMB2_0_INFO_FILE, cls, data));

  it("renames (into another directory too); refuses to replace unless asked", async () => {
    await writeFile(c, "a.txt", Buffer.from("a"));
    await writeFile(c, "b.txt", Buffer.from("b"));
    await open(c, "dir", { disposition: C.FILE_CREATE, options: C.FILE_DIRECTORY_FILE });
    const f = await open(c, "a.txt", { access: C.DELETE | C.FILE_READ_ATTRIBUTES });
    expect((await set(f, C.FileRenameInformation, renameInfo("b.txt"))).status).toBe(
      S.STATUS_OBJECT_NAME_COLLISION,
    );
    expect((await set(f, C.FileRenameInformation, renameInfo("dir\\moved.txt"))).status).toBe(0);
    await c.send(C.SMB2_CLOSE, closeBody(f));
    const dir = await smb.h.metadata.lookup(who, root(), "dir");
    expect((await smb.h.metadata.lookup(who, dir.handle, "moved.txt")).attr.size).toBe(1);
    const g = await open(c, "b.txt", { access: C.DELETE });
    expect((await set(g, C.FileRenameInformation, renameInfo("dir\\moved.txt", true))).status).toBe(0);
    await c.send(C.SMB2_CLOSE, closeBody(g));
    await expect(smb.h.metadata.lookup(who, root(), "b.txt")).rejects.toMatchObject({ code: "ENOENT" });
    const noDelete = await open(c, "dir\\moved.txt", { access: C.FILE_READ_DATA });
    expect((await set(noDelete, C.FileRenameInformation, renameInfo("x.txt"))).status).toBe(
      S.STATUS_ACCESS_DENIED,
    );
  });

  it("a rename meets the parent directory's opens: refused by a data open without SHARE_DELETE, not by a stat open", async () => {
    const d = await open(c, "par", { disposition: C.FILE_CREATE, options: C.FILE_DIRECTORY_FILE });
    await c.send(C.SMB2_CLOSE, closeBody(d));
    const f = await open(c, "par\\doc.txt", {
      disposition: C.FILE_CREATE,
      access: C.DELETE | C.FILE_WRITE_DATA,
    });
    const parentOpen = (access: number) =>
      open(c, "par", { options: C.FILE_DIRECTORY_FILE, access, share: 0 });
    // smbtorture smb2.rename.msword: Word holds the folder open for attributes only, sharing nothing.
    const stat = await parentOpen(C.SYNCHRONIZE | C.FILE_READ_ATTRIBUTES);
    expect((await set(f, C.FileRenameInformation, renameInfo("par\\renamed.txt"))).status).toBe(0);
    await c.send(C.SMB2_CLOSE, closeBody(stat));
    const data = await parentOpen(C.FILE_READ_DATA | C.FILE_READ_ATTRIBUTES);
    expect((await set(f, C.FileRenameInformation, renameInfo("par\\again.txt"))).status).toBe(
      S.STATUS_SHARING_VIOLATION,
    );
    await c.send(C.SMB2_CLOSE, closeBody(data));
    await c.send(C.SMB2_CLOSE, closeBody(f));
  });

  it("sets end-of-file, allocation (shrinks only) and basic times/attributes", async () => {
    await writeFile(c, "size.txt", Buffer.alloc(1000, 3));
    const f = await open(c, "size.txt");
    expect((await set(f, C.FileEndOfFileInformation, new SmbWriter().u64(10n).finish())).status).toBe(0);
    expect((await smb.h.metadata.lookup(who, root(), "size.txt")).attr.size).toBe(10);
    expect((await set(f, C.FileAllocationInformation, new SmbWriter().u64(1n << 20n).finish())).status).toBe(
      0,
    );
    expect((await smb.h.metadata.lookup(who, root(), "size.txt")).attr.size).toBe(10);
    // FileModeInformation takes the mode flags [MS-FSA] allows, nothing else.
    const mode = (m: number) => set(f, C.FileModeInformation, new SmbWriter().u32(m).finish());
    expect((await mode(2)).status).toBe(0);
    expect((await mode(1)).status).toBe(S.STATUS_INVALID_PARAMETER);
    expect((await mode(0x30)).status).toBe(S.STATUS_INVALID_PARAMETER);
    expect((await mode(0)).status).toBe(0);
    // The allocation asked for is reported while the file is open (smbtorture smb2.setinfo).
    const std = await c.send(
      C.SMB2_QUERY_INFO,
      queryInfoBody(f, C.SMB2_0_INFO_FILE, C.FileStandardInformation),
    );
    expect(std.msg.readBigUInt64LE(std.body.readUInt16LE(2))).toBe(1n << 20n);
    const mtime = 133_000_000_000_000_000n; // 2022-06
    const basic = new SmbWriter()
      .u64(0n)
      .u64(0n)
      .u64(mtime)
      .u64(0n)
      .u32(C.FILE_ATTRIBUTE_HIDDEN)
      .u32(0)
      .finish();
    expect((await set(f, C.FileBasicInformation, basic)).status).toBe(0);
    const attr = (await smb.h.metadata.lookup(who, root(), "size.txt")).attr;
    expect(attr.mtime.sec).toBe(Number((mtime - 116444736000000000n) / 10_000_000n));
    expect(attr.dosAttributes & C.FILE_ATTRIBUTE_HIDDEN).toBe(C.FILE_ATTRIBUTE_HIDDEN);
    // [MS-FSA] §2.1.5.14.2: TEMPORARY on a directory is invalid (smbtorture smb2.create.dosattr_tmp_dir).
    const d = await open(c, "tmpdir", { disposition: C.FILE_CREATE, options: C.FILE_DIRECTORY_FILE });
    const attrs = (bits: number) => new SmbWriter().zeros(32).u32(bits).u32(0).finish();
    expect((await set(d, C.FileBasicInformation, attrs(C.FILE_ATTRIBUTE_TEMPORARY))).status).toBe(
      S.STATUS_INVALID_PARAMETER,
    );
    expect((await set(f, C.FileBasicInformation, attrs(C.FILE_ATTRIBUTE_TEMPORARY))).status).toBe(0);
  });

  it("keeps a ChangeTime set through FileBasicInformation until the file's next change; NFS ctime still moves", async () => {
    await writeFile(c, "ct.txt", Buffer.from("c"));
    const f = await open(c, "ct.txt");
    const basicOut = async () => {
      const r = await c.send(C.SMB2_QUERY_INFO, queryInfoBody(f, C.SMB2_0_INFO_FILE, C.FileBasicInformation));
      const d = r.msg.subarray(r.body.readUInt16LE(2));
      return { btime: d.readBigUInt64LE(0), mtime: d.readBigUInt64LE(16), change: d.readBigUInt64LE(24) };
    };
    const t1968 = 115_813_152_000_000_000n; // smbtorture time_t_1968
    const basic = (b: bigint, m: bigint, ch: bigint) =>
      new SmbWriter().u64(b).u64(0n).u64(m).u64(ch).u32(0).u32(0).finish();
    const before = (await smb.h.metadata.lookup(who, root(), "ct.txt")).attr.ctime;
    expect((await set(f, C.FileBasicInformation, basic(t1968, t1968, t1968))).status).toBe(0);
    expect(await basicOut()).toEqual({ btime: t1968, mtime: t1968, change: t1968 });
    const attr = (await smb.h.metadata.lookup(who, root(), "ct.txt")).attr;
    expect(attr.ctime.sec * 1e9 + attr.ctime.nsec).toBeGreaterThan(before.sec * 1e9 + before.nsec);
    // Open.UserSetChangeTime: an attribute change through the open that set it keeps it.
    const hidden = new SmbWriter()
      .u64(0n)
      .u64(0n)
      .u64(0n)
      .u64(0n)
      .u32(C.FILE_ATTRIBUTE_HIDDEN)
      .u32(0)
      .finish();
    expect((await set(f, C.FileBasicInformation, hidden)).status).toBe(0);
    expect((await basicOut()).change).toBe(t1968);
    // -1 and -2 (freeze/thaw) leave every time as it is.
    const FREEZE = 0xffffffffffffffffn;
    const THAW = 0xfffffffffffffffen;
    expect((await set(f, C.FileBasicInformation, basic(FREEZE, FREEZE, FREEZE))).status).toBe(0);
    expect((await set(f, C.FileBasicInformation, basic(THAW, THAW, THAW))).status).toBe(0);
    expect(await basicOut()).toEqual({ btime: t1968, mtime: t1968, change: t1968 });
    // The next change elsewhere (here an NFS-side chmod) makes ChangeTime the server's time again.
    const { handle } = await smb.h.metadata.lookup(who, root(), "ct.txt");
    await smb.h.metadata.setattr(who, handle, { mode: 0o600 });
    expect((await basicOut()).change).toBeGreaterThan(t1968);
  });

  it("disposition deletes at close; a non-empty directory refuses it", async () => {
    await writeFile(c, "gone.txt", Buffer.from("g"));
    const f = await open(c, "gone.txt", { access: C.DELETE });
    expect((await set(f, C.FileDispositionInformation, Buffer.from([1]))).status).toBe(0);
    await c.send(C.SMB2_CLOSE, closeBody(f));
    expect((await c.send(C.SMB2_CREATE, createBody("gone.txt", { disposition: C.FILE_OPEN }))).status).toBe(
      S.STATUS_OBJECT_NAME_NOT_FOUND,
    );
    const d = await open(c, "dir", { access: C.DELETE, options: C.FILE_DIRECTORY_FILE });
    expect((await set(d, C.FileDispositionInformation, Buffer.from([1]))).status).toBe(
      S.STATUS_DIRECTORY_NOT_EMPTY,
    );
    expect((await set(d, 99, Buffer.from([1]))).status).toBe(S.STATUS_INVALID_INFO_CLASS);
  });

  it("owner/group from a security descriptor follow POSIX chown: only root changes the owner", async () => {
    const sd = (owner: number | null, group: number | null) => {
      const sids = [owner === null ? null : sid(22, 1, owner), group === null ? null : sid(22, 2, group)];
      const w = new SmbWriter().u8(1).u8(0).u16(0x8000);
      let off = 20;
      for (const s of sids) {
        w.u32(s === null ? 0 : off);
        off += s?.length ?? 0;
      }
      w.u32(0).u32(0);
      for (const s of sids) if (s !== null) w.bytes(s);
      return w.finish();
    };
    const secure = (f: Parameters<typeof setInfoBody>[0], body: Buffer, additional: number) =>
      c.send(C.SMB2_SET_INFO, setInfoBody(f, C.SMB2_0_INFO_SECURITY, 0, body, additional));
    const OWNER = C.OWNER_SECURITY_INFORMATION;
    const GROUP = C.GROUP_SECURITY_INFORMATION;
    await writeFile(c, "owned.txt", Buffer.from("x"));
    const f = await open(c, "owned.txt", { access: C.WRITE_OWNER | C.READ_CONTROL });
    // The owner naming itself and its own group: allowed (a no-op).
    expect((await secure(f, sd(ALICE.uid, ALICE.gid), OWNER | GROUP)).status).toBe(0);
    // Giving the file away, or a group the owner is not in: EPERM → ACCESS_DENIED.
    expect((await secure(f, sd(BOB.uid, null), OWNER)).status).toBe(S.STATUS_ACCESS_DENIED);
    expect((await secure(f, sd(null, 4242), GROUP)).status).toBe(S.STATUS_ACCESS_DENIED);
    expect((await secure(f, sd(null, null), OWNER | GROUP)).status).toBe(0);
    await c.send(C.SMB2_CLOSE, closeBody(f));
    const attr = (await smb.h.metadata.lookup(who, root(), "owned.txt")).attr;
    expect([attr.uid, attr.gid]).toEqual([ALICE.uid, ALICE.gid]);

    // Not the owner: EPERM even when naming the current owner and group (pjdfstest chown/07).
    const fh = (await smb.h.metadata.lookup(who, root(), "owned.txt")).handle;
    await smb.h.metadata.setattr(who, fh, { uid: BOB.uid, gid: BOB.gid, mode: 0o666 });
    const g = await open(c, "owned.txt", { access: C.WRITE_OWNER | C.READ_CONTROL });
    expect((await secure(g, sd(BOB.uid, BOB.gid), OWNER | GROUP)).status).toBe(S.STATUS_ACCESS_DENIED);
    await c.send(C.SMB2_CLOSE, closeBody(g));
  });

  it("a DACL is stored and decides access (deny first); the mode follows; chmod drops it", async () => {
    const RW = C.FILE_READ_DATA | C.FILE_WRITE_DATA;
    const secure = (f: Parameters<typeof setInfoBody>[0], body: Buffer) =>
      c.send(C.SMB2_SET_INFO, setInfoBody(f, C.SMB2_0_INFO_SECURITY, 0, body, C.DACL_SECURITY_INFORMATION));
    const query = async (f: Parameters<typeof setInfoBody>[0]) => {
      const r = await c.send(
        C.SMB2_QUERY_INFO,
        queryInfoBody(f, C.SMB2_0_INFO_SECURITY, 0, 4096, C.DACL_SECURITY_INFORMATION),
      );
      return r.msg.subarray(r.body.readUInt16LE(2), r.body.readUInt16LE(2) + r.body.readUInt32LE(4));
    };
    const file = async () => smb.h.metadata.lookup(who, root(), "dacl.txt");
    const mode = async () => (await file()).attr.mode & 0o7777;
    const tryOpen = async (access: number) =>
      (await c.send(C.SMB2_CREATE, createBody("dacl.txt", { access }))).status;
    await writeFile(c, "dacl.txt", Buffer.from("x"));
    const noDac = await open(c, "dacl.txt", { access: C.WRITE_OWNER });
    const plain = daclSd([[0, 0, RW, sid(22, 1, ALICE.uid)]]);
    expect((await secure(noDac, plain)).status).toBe(S.STATUS_ACCESS_DENIED);
    await c.send(C.SMB2_CLOSE, closeBody(noDac));
    const f = await open(c, "dacl.txt", { access: C.WRITE_DAC | C.READ_CONTROL });
    // A deny ACE for Everyone before the owner's allow: the owner may write but not read.
    const deny = daclSd([
      [1, 0, C.FILE_READ_DATA, sid(1, 0)],
      [0, 0, RW, sid(22, 1, ALICE.uid)],
      [0, 0, C.FILE_READ_DATA, sid(22, 1, BOB.uid)],
    ]);
    expect((await secure(f, deny)).status).toBe(0);
    expect(await query(f)).toEqual(deny);
    expect(await mode()).toBe(0o200);
    expect(await tryOpen(C.FILE_READ_DATA)).toBe(S.STATUS_ACCESS_DENIED);
    expect(await tryOpen(C.FILE_WRITE_DATA)).toBe(0);
    expect((await secure(f, deny.subarray(0, 30))).status).toBe(S.STATUS_INVALID_PARAMETER);
    // An NFS chmod replaces the stored ACL: the mode is the truth again.
    await smb.h.metadata.setattr(who, (await file()).handle, { mode: 0o640 });
    expect((await query(f)).readUInt16LE(20 + 4)).toBe(3);
    expect(await tryOpen(C.FILE_READ_DATA)).toBe(0);
    await c.send(C.SMB2_CLOSE, closeBody(f));
    // Not the owner: storing a DACL is EPERM → ACCESS_DENIED, the mode stays.
    await smb.h.metadata.setattr(who, (await file()).handle, { uid: BOB.uid, gid: BOB.gid, mode: 0o666 });
    const g = await open(c, "dacl.txt", { access: C.WRITE_DAC | C.READ_CONTROL });
    expect((await secure(g, plain)).status).toBe(S.STATUS_ACCESS_DENIED);
    expect(await mode()).toBe(0o666);
    await c.send(C.SMB2_CLOSE, closeBody(g));
  });

  it("a DACL set through an open acts as the user the open was granted to, across a re-authentication", async () => {
    const secure = (f: Parameters<typeof setInfoBody>[0], body: Buffer) =>
      c.send(C.SMB2_SET_INFO, setInfoBody(f, C.SMB2_0_INFO_SECURITY, 0, body, C.DACL_SECURITY_INFORMATION));
    await writeFile(c, "reauth.txt", Buffer.from("x"));
    const f = await open(c, "reauth.txt", { access: C.WRITE_DAC | C.READ_CONTROL });
    expect((await c.sessionSetup(BOB.user, BOB.password)).status).toBe(0);
    const sd = daclSd([[0, 0, C.FILE_READ_DATA, sid(22, 1, BOB.uid)]]);
    expect((await secure(f, sd)).status).toBe(0);
    expect(
      await smb.h.metadata.acl((await smb.h.metadata.lookup(who, root(), "reauth.txt")).handle),
    ).not.toBeNull();
    // Bob's own open: the stored DACL gives him FILE_READ_DATA, not WRITE_DAC.
    const bobs = await c.send(C.SMB2_CREATE, createBody("reauth.txt", { access: C.WRITE_DAC }));
    expect(bobs.status).toBe(S.STATUS_ACCESS_DENIED);
    expect((await c.send(C.SMB2_CREATE, createBody("reauth.txt", { access: C.FILE_READ_DATA }))).status).toBe(
      0,
    );
  });
});
