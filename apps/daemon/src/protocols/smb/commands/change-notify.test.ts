import { describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import * as S from "../ntstatus.ts";
import {
  cancelFrame,
  changeNotifyBody,
  closeBody,
  notifyEntries,
  open,
  renameInfo,
  setInfoBody,
  writeBody,
} from "../testing/bodies.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import { ALICE } from "../testing/harness.ts";
import type { SmbTestClient } from "../testing/smb-client.ts";

const FILE_NAME = 0x1;
const DIR_NAME = 0x2;
const SIZE = 0x8;
const LAST_WRITE = 0x10;
const SECURITY = 0x100;
/** [MS-SMB2] §2.2.35 SMB2_WATCH_TREE. */
const WATCH_TREE = 0x1;
/** [MS-FSCC] §2.4.42 FILE_ACTION_MODIFIED. */
const MODIFIED = 3;
const NFS_CALLER = { uid: ALICE.uid, gid: ALICE.gid, gids: [] };
const DIR_ACCESS = C.FILE_READ_DATA | C.FILE_READ_ATTRIBUTES | C.SYNCHRONIZE;

describe("CHANGE_NOTIFY", () => {
  const fx = useSmbHarness();
  const login = fx.login;
  const openDir = (c: SmbTestClient, name: string) =>
    open(c, name, { options: C.FILE_DIRECTORY_FILE, access: DIR_ACCESS, disposition: C.FILE_OPEN_IF });

  it("waits, then reports a file another client creates and one NFS creates (queued meanwhile)", async () => {
    const [a, b] = [await login(), await login()];
    const d = await openDir(a, "watched");
    const pending = a.send(C.SMB2_CHANGE_NOTIFY, changeNotifyBody(d, FILE_NAME | DIR_NAME));
    await new Promise((r) => setTimeout(r, 50));
    expect(a.interim.some((r) => r.header.Command === C.SMB2_CHANGE_NOTIFY)).toBe(true);
    await open(b, "watched\\new.txt", { disposition: C.FILE_CREATE });
    const r = await pending;
    expect(r.status).toBe(0);
    expect(notifyEntries(r)).toEqual([[1, "new.txt"]]);
    // Changes between requests are queued: an NFS-side create and remove, then one reply.
    const md = fx.h.metadata;
    const dir = await md.lookup(NFS_CALLER, md.rootHandle("/export"), "watched");
    const nfsDir = fx.h.ctx.files.resolve(NFS_CALLER, dir.handle);
    await fx.h.ctx.files.create(nfsDir, "from-nfs", { mode: 0o644 }, { mode: "guarded" });
    await fx.h.ctx.files.remove(nfsDir, "from-nfs");
    const q = await a.send(C.SMB2_CHANGE_NOTIFY, changeNotifyBody(d, FILE_NAME));
    expect(notifyEntries(q)).toEqual([
      [1, "from-nfs"],
      [2, "from-nfs"],
    ]);
  });

  it("reports a rename within the directory as old and new name, honouring the filter", async () => {
    const [a, b] = [await login(), await login()];
    const d = await openDir(a, "ren");
    const f = await open(b, "ren\\old.txt", { disposition: C.FILE_CREATE, access: C.FILE_ALL_ACCESS });
    const pending = a.send(C.SMB2_CHANGE_NOTIFY, changeNotifyBody(d, FILE_NAME));
    await openDir(b, "ren\\subdir"); // DIR_NAME is not in the filter: no wake-up
    const rn = await b.send(
      C.SMB2_SET_INFO,
      setInfoBody(f, C.SMB2_0_INFO_FILE, C.FileRenameInformation, renameInfo("ren\\new.txt")),
    );
    expect(rn.status).toBe(0);
    const r = await pending;
    expect(notifyEntries(r)).toEqual([
      [4, "old.txt"],
      [5, "new.txt"],
    ]);
  });

  it("tells a subtree watch (WATCH_TREE) of changes below by relative name; a directory no open names: ENUM_DIR", async () => {
    const [a, b] = [await login(), await login()];
    const top = await openDir(a, "tree");
    const other = await openDir(a, "elsewhere");
    const watch = (d: typeof top) =>
      a.send(C.SMB2_CHANGE_NOTIFY, changeNotifyBody(d, FILE_NAME | DIR_NAME, 4096, WATCH_TREE));
    const first = watch(top);
    const sibling = watch(other);
    await openDir(b, "tree\\Sub");
    expect(notifyEntries(await first)).toEqual([[1, "Sub"]]);
    // Named as stored, relative to the watched directory, whatever case the client used.
    await openDir(b, "TREE\\sub\\deep");
    await open(b, "tree\\SUB\\DEEP\\f.txt", { disposition: C.FILE_CREATE });
    expect(notifyEntries(await watch(top))).toEqual([
      [1, "Sub\\deep"],
      [1, "Sub\\deep\\f.txt"],
    ]);
    // The sibling tree heard none of it: its request still waits until its directory closes.
    await a.send(C.SMB2_CLOSE, closeBody(other));
    expect((await sibling).status).toBe(S.STATUS_NOTIFY_CLEANUP);
    // A directory only NFS made (no SMB open knows its path): every subtree watch of the share
    // is told to enumerate again.
    const md = fx.h.metadata;
    const tree = await md.lookup(NFS_CALLER, md.rootHandle("/export"), "tree");
    const files = fx.h.ctx.files;
    const made = await files.make(
      files.resolve(NFS_CALLER, tree.handle),
      "nfs",
      { mode: 0o755 },
      { type: "dir" },
    );
    const pending = watch(top);
    expect(notifyEntries(await pending)).toEqual([[1, "nfs"]]);
    await files.create(files.resolve(NFS_CALLER, made.handle), "x", { mode: 0o644 }, { mode: "guarded" });
    expect((await watch(top)).status).toBe(S.STATUS_NOTIFY_ENUM_DIR);
  });

  it("ends a waiting request with NOTIFY_CLEANUP when the directory is closed, and refuses files", async () => {
    const a = await login();
    const d = await openDir(a, "closing");
    const pending = a.send(C.SMB2_CHANGE_NOTIFY, changeNotifyBody(d, FILE_NAME));
    await new Promise((r) => setTimeout(r, 50));
    expect((await a.send(C.SMB2_CLOSE, closeBody(d))).status).toBe(0);
    expect((await pending).status).toBe(S.STATUS_NOTIFY_CLEANUP);
    const f = await open(a, "plain.txt", { disposition: C.FILE_OPEN_IF });
    const bad = await a.send(C.SMB2_CHANGE_NOTIFY, changeNotifyBody(f, FILE_NAME));
    expect(bad.status).toBe(S.STATUS_INVALID_PARAMETER);
    const attrsOnly = await open(a, "plain-dir", {
      options: C.FILE_DIRECTORY_FILE,
      access: C.FILE_READ_ATTRIBUTES,
      disposition: C.FILE_OPEN_IF,
    });
    const denied = await a.send(C.SMB2_CHANGE_NOTIFY, changeNotifyBody(attrsOnly, FILE_NAME));
    expect(denied.status).toBe(S.STATUS_ACCESS_DENIED);
  });

  it("answers NOTIFY_ENUM_DIR when the changes do not fit the output buffer, the first request's too (as Samba)", async () => {
    const [a, b] = [await login(), await login()];
    const d = await openDir(a, "small");
    const pending = a.send(C.SMB2_CHANGE_NOTIFY, changeNotifyBody(d, FILE_NAME, 8));
    await open(b, "small\\a-rather-long-file-name.txt", { disposition: C.FILE_CREATE });
    expect((await pending).status).toBe(S.STATUS_NOTIFY_ENUM_DIR);
    const larger = a.send(C.SMB2_CHANGE_NOTIFY, changeNotifyBody(d, FILE_NAME, 4096));
    await open(b, "small\\two.txt", { disposition: C.FILE_CREATE });
    expect((await larger).status).toBe(S.STATUS_NOTIFY_ENUM_DIR);
  });

  it("reports a file written, truncated or given attributes as MODIFIED, by SMB and by NFS, per the filter", async () => {
    const [a, b] = [await login(), await login()];
    const d = await openDir(a, "mod");
    const f = await open(b, "mod\\w.txt", { disposition: C.FILE_CREATE, access: C.FILE_ALL_ACCESS });
    const md = fx.h.metadata;
    const dir = await md.lookup(NFS_CALLER, md.rootHandle("/export"), "mod");
    const nfsDir = fx.h.ctx.files.resolve(NFS_CALLER, dir.handle);
    const quiet = await fx.h.ctx.files.create(nfsDir, "nfs.txt", { mode: 0o644 }, { mode: "guarded" });
    // The watch starts with the first request: the creates above are not in it.
    const next = (filter: number) => a.send(C.SMB2_CHANGE_NOTIFY, changeNotifyBody(d, filter));
    let pending = next(LAST_WRITE | SIZE);
    expect((await b.send(C.SMB2_WRITE, writeBody(f, 0n, Buffer.from("data")))).status).toBe(0);
    expect(notifyEntries(await pending)).toEqual([[MODIFIED, "w.txt"]]);
    // A file no SMB client has open, written through the file service as NFS does.
    pending = next(LAST_WRITE | SIZE);
    const nfsFile = fx.h.ctx.files.resolve(NFS_CALLER, quiet.handle);
    await fx.h.ctx.files.write(nfsFile, { offset: 0n, data: Buffer.from("x"), stability: "unstable" });
    expect(notifyEntries(await pending)).toEqual([[MODIFIED, "nfs.txt"]]);
    // A SECURITY-only watch hears a chmod, not a truncate before it.
    pending = next(SECURITY);
    await fx.h.ctx.files.setattr(nfsFile, { attrs: { size: 0 } });
    await fx.h.ctx.files.setattr(nfsFile, { attrs: { mode: 0o600 } });
    expect(notifyEntries(await pending)).toEqual([[MODIFIED, "nfs.txt"]]);
    await b.send(C.SMB2_CLOSE, closeBody(f));
  });

  it("is cancelled by a CANCEL sent right behind it by MessageId, before its interim response (smb2.notify.tcon)", async () => {
    const a = await login();
    const d = await openDir(a, "cancelled");
    for (let i = 0; i < 3; i++) {
      const id = a.nextMessageId;
      const pending = a.corked(() => {
        const p = a.send(C.SMB2_CHANGE_NOTIFY, changeNotifyBody(d, FILE_NAME));
        a.raw(cancelFrame(0n, id));
        return p;
      });
      expect((await pending).status).toBe(S.STATUS_CANCELLED);
    }
  });

  it("ends a wait with DELETE_PENDING when another open's close leaves the directory delete-pending", async () => {
    const [a, b] = [await login(), await login()];
    const d = await openDir(a, "doomed");
    const pending = a.send(C.SMB2_CHANGE_NOTIFY, changeNotifyBody(d, FILE_NAME));
    const del = await open(b, "doomed", { options: C.FILE_DIRECTORY_FILE, access: C.DELETE });
    const disposition = setInfoBody(del, C.SMB2_0_INFO_FILE, C.FileDispositionInformation, Buffer.from([1]));
    expect((await b.send(C.SMB2_SET_INFO, disposition)).status).toBe(0);
    await b.send(C.SMB2_CLOSE, closeBody(del));
    expect((await pending).status).toBe(S.STATUS_DELETE_PENDING);
  });
});
