import { beforeEach, describe, expect, it } from "vitest";
import { SHARE_READ, SHARE_WRITE } from "../../../files/share-modes.ts";
import * as C from "../constants.ts";
import { encodeCreateContexts } from "../create-contexts.ts";
import * as S from "../ntstatus.ts";
import {
  closeBody,
  createBody,
  entryNames,
  fileIdOf,
  open,
  queryDirBody,
  queryInfoBody,
  renameInfo,
  setInfoBody,
  writeFile,
} from "../testing/bodies.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import type { SmbTestClient } from "../testing/smb-client.ts";

describe("CREATE", () => {
  const smb = useSmbHarness();
  let c: SmbTestClient;
  beforeEach(async () => {
    c = await smb.login();
  });
  const create = (name: string, o: Parameters<typeof createBody>[1] = {}) =>
    c.send(C.SMB2_CREATE, createBody(name, o));

  it("applies dispositions: CREATE, OPEN, OPEN_IF, OVERWRITE(_IF), SUPERSEDE", async () => {
    const first = await create("disp.txt", { disposition: C.FILE_CREATE });
    expect(first.status).toBe(0);
    expect(first.body.readUInt32LE(4)).toBe(C.FILE_CREATED);
    await c.send(C.SMB2_CLOSE, closeBody(fileIdOf(first)));
    expect((await create("disp.txt", { disposition: C.FILE_CREATE })).status).toBe(
      S.STATUS_OBJECT_NAME_COLLISION,
    );
    expect((await create("nope.txt", { disposition: C.FILE_OPEN })).status).toBe(
      S.STATUS_OBJECT_NAME_NOT_FOUND,
    );
    expect((await create("nope.txt", { disposition: C.FILE_OVERWRITE })).status).toBe(
      S.STATUS_OBJECT_NAME_NOT_FOUND,
    );
    await writeFile(c, "disp.txt", Buffer.from("twelve bytes"));
    const opened = await create("disp.txt", { disposition: C.FILE_OPEN_IF });
    expect(opened.body.readUInt32LE(4)).toBe(C.FILE_OPENED);
    expect(opened.body.readBigUInt64LE(48)).toBe(12n); // EndofFile
    await c.send(C.SMB2_CLOSE, closeBody(fileIdOf(opened)));
    const over = await create("disp.txt", { disposition: C.FILE_OVERWRITE });
    expect(over.body.readUInt32LE(4)).toBe(C.FILE_OVERWRITTEN);
    expect(over.body.readBigUInt64LE(48)).toBe(0n);
    await c.send(C.SMB2_CLOSE, closeBody(fileIdOf(over)));
    const sup = await create("disp.txt", { disposition: C.FILE_SUPERSEDE });
    expect(sup.body.readUInt32LE(4)).toBe(C.FILE_SUPERSEDED);
    await c.send(C.SMB2_CLOSE, closeBody(fileIdOf(sup)));
    expect((await create("disp.txt", { disposition: 9 })).status).toBe(S.STATUS_INVALID_PARAMETER);
  });

  it("checks directory/non-directory options and missing parents", async () => {
    const d = await create("dir1", { disposition: C.FILE_CREATE, options: C.FILE_DIRECTORY_FILE });
    expect(d.status).toBe(0);
    expect(d.body.readUInt32LE(56) & C.FILE_ATTRIBUTE_DIRECTORY).toBe(C.FILE_ATTRIBUTE_DIRECTORY);
    await c.send(C.SMB2_CLOSE, closeBody(fileIdOf(d)));
    expect((await create("dir1", { options: C.FILE_NON_DIRECTORY_FILE })).status).toBe(
      S.STATUS_FILE_IS_A_DIRECTORY,
    );
    await writeFile(c, "plain.txt", Buffer.from("x"));
    expect((await create("plain.txt", { options: C.FILE_DIRECTORY_FILE })).status).toBe(
      S.STATUS_NOT_A_DIRECTORY,
    );
    expect((await create("missing\\child.txt")).status).toBe(S.STATUS_OBJECT_PATH_NOT_FOUND);
    expect((await create("bad|name")).status).toBe(S.STATUS_OBJECT_NAME_INVALID);
    expect((await create("\\lead", { options: C.FILE_DIRECTORY_FILE })).status).toBe(
      S.STATUS_INVALID_PARAMETER,
    );
    const nested = await create("dir1\\inner.txt", { disposition: C.FILE_CREATE });
    expect(nested.status).toBe(0);
    await c.send(C.SMB2_CLOSE, closeBody(fileIdOf(nested)));
  });

  it("enforces share access between opens", async () => {
    await writeFile(c, "shared.txt", Buffer.from("s"));
    const a = await open(c, "shared.txt", { access: C.FILE_READ_DATA, share: C.FILE_SHARE_READ });
    expect((await create("shared.txt", { access: C.FILE_WRITE_DATA, share: 7 })).status).toBe(
      S.STATUS_SHARING_VIOLATION,
    );
    const b = await open(c, "shared.txt", { access: C.FILE_READ_DATA, share: C.FILE_SHARE_READ });
    // Attribute-only opens never conflict.
    const attrOnly = await open(c, "shared.txt", { access: C.FILE_READ_ATTRIBUTES, share: 0 });
    for (const f of [a, b, attrOnly]) await c.send(C.SMB2_CLOSE, closeBody(f));
    const w = await open(c, "shared.txt", { access: C.FILE_WRITE_DATA, share: 0 });
    await c.send(C.SMB2_CLOSE, closeBody(w));
  });

  it("shares one reservation table with the file service (NFSv4 OPEN deny modes)", async () => {
    await writeFile(c, "v4.txt", Buffer.from("v"));
    const root = { uid: 0, gid: 0, gids: [] };
    const md = smb.h.metadata;
    const f = smb.h.ctx.files.resolve(
      root,
      (await md.lookup(root, md.rootHandle("/export"), "v4.txt")).handle,
    );
    // An NFSv4 OPEN with share_access READ, share_deny WRITE (RFC 8881 §9.7).
    smb.h.ctx.files.reserve(f, { owner: "nfs4:1:a:", access: SHARE_READ, deny: SHARE_WRITE });
    expect((await create("v4.txt", { access: C.FILE_WRITE_DATA, share: 7 })).status).toBe(
      S.STATUS_SHARING_VIOLATION,
    );
    const reader = await open(c, "v4.txt", { access: C.FILE_READ_DATA, share: C.FILE_SHARE_READ });
    // The SMB open does not share writing: an NFSv4 OPEN for writing is refused, and after its
    // CLOSE the same OPEN goes through.
    const writer = { owner: "nfs4:1:b:", access: SHARE_WRITE, deny: 0 };
    smb.h.ctx.files.unreserve(f, "nfs4:1:a:");
    expect(() => smb.h.ctx.files.reserve(f, writer)).toThrow(expect.objectContaining({ code: "EBUSY" }));
    await c.send(C.SMB2_CLOSE, closeBody(reader));
    smb.h.ctx.files.reserve(f, writer);
    smb.h.ctx.files.releaseOwner("nfs4:1:");
    const w = await open(c, "v4.txt", { access: C.FILE_WRITE_DATA, share: 0 });
    await c.send(C.SMB2_CLOSE, closeBody(w));
  });

  it("deletes a delete-on-close file at its last close; needs DELETE access", async () => {
    expect(
      (await create("doc.txt", { access: C.FILE_READ_DATA, options: C.FILE_DELETE_ON_CLOSE })).status,
    ).toBe(S.STATUS_ACCESS_DENIED);
    expect((await create("doc.txt", { disposition: C.FILE_OPEN })).status).toBe(
      S.STATUS_OBJECT_NAME_NOT_FOUND,
    );
    const f = await open(c, "doc.txt", { disposition: C.FILE_CREATE, options: C.FILE_DELETE_ON_CLOSE });
    const other = await open(c, "doc.txt", { disposition: C.FILE_OPEN });
    await c.send(C.SMB2_CLOSE, closeBody(f));
    // Still open elsewhere: the file stays until the last close, and new opens see DELETE_PENDING.
    expect((await create("doc.txt", { disposition: C.FILE_OPEN })).status).toBe(S.STATUS_DELETE_PENDING);
    await c.send(C.SMB2_CLOSE, closeBody(other));
    expect((await create("doc.txt", { disposition: C.FILE_OPEN })).status).toBe(
      S.STATUS_OBJECT_NAME_NOT_FOUND,
    );
  });

  it("adds ARCHIVE to a file it creates or overwrites, not to a directory; a file with none reports NORMAL", async () => {
    const attrs = (r: { body: Buffer }) => r.body.readUInt32LE(56);
    const made = await create("ro.txt", {
      disposition: C.FILE_CREATE,
      attributes: C.FILE_ATTRIBUTE_READONLY,
    });
    expect(attrs(made)).toBe(C.FILE_ATTRIBUTE_READONLY | C.FILE_ATTRIBUTE_ARCHIVE);
    await c.send(C.SMB2_CLOSE, closeBody(fileIdOf(made)));
    const hidden = await create("h.txt", { disposition: C.FILE_CREATE, attributes: C.FILE_ATTRIBUTE_HIDDEN });
    expect(attrs(hidden)).toBe(C.FILE_ATTRIBUTE_HIDDEN | C.FILE_ATTRIBUTE_ARCHIVE);
    await c.send(C.SMB2_CLOSE, closeBody(fileIdOf(hidden)));
    const dir = await create("d", { disposition: C.FILE_CREATE, options: C.FILE_DIRECTORY_FILE });
    expect(attrs(dir)).toBe(C.FILE_ATTRIBUTE_DIRECTORY);
    await c.send(C.SMB2_CLOSE, closeBody(fileIdOf(dir)));
    // A file made without SMB has no DOS attributes: NORMAL, as Samba reports it.
    const files = smb.h.ctx.files;
    const root = files.resolve({ uid: 0, gid: 0, gids: [] }, smb.h.metadata.rootHandle("/export"));
    await files.create(root, "nfs.txt", { mode: 0o644 }, { mode: "guarded" });
    const plain = await create("nfs.txt", { access: C.FILE_READ_ATTRIBUTES });
    expect(attrs(plain)).toBe(C.FILE_ATTRIBUTE_NORMAL);
    await c.send(C.SMB2_CLOSE, closeBody(fileIdOf(plain)));
  });

  it("refuses an overwrite that drops HIDDEN or SYSTEM (ACCESS_DENIED), as Windows and Samba", async () => {
    const made = await create("hid.txt", { disposition: C.FILE_CREATE, attributes: C.FILE_ATTRIBUTE_HIDDEN });
    await c.send(C.SMB2_CLOSE, closeBody(fileIdOf(made)));
    const over = (attributes: number) => create("hid.txt", { disposition: C.FILE_OVERWRITE_IF, attributes });
    expect((await over(C.FILE_ATTRIBUTE_NORMAL)).status).toBe(S.STATUS_ACCESS_DENIED);
    const kept = await over(C.FILE_ATTRIBUTE_HIDDEN);
    expect(kept.status).toBe(0);
    await c.send(C.SMB2_CLOSE, closeBody(fileIdOf(kept)));
  });

  it("keeps an AllocationSize (AlSi) asked for at create while the file is open", async () => {
    const alsi = Buffer.alloc(8);
    alsi.writeBigUInt64LE(1000n);
    const contexts = encodeCreateContexts([{ name: "AlSi", data: alsi }]);
    const r = await create("alloc.txt", { disposition: C.FILE_CREATE, contexts });
    expect(r.body.readBigUInt64LE(40)).toBe(4096n); // whole allocation units
    const std = await c.send(
      C.SMB2_QUERY_INFO,
      queryInfoBody(fileIdOf(r), C.SMB2_0_INFO_FILE, C.FileStandardInformation),
    );
    expect(std.msg.readBigUInt64LE(std.body.readUInt16LE(2))).toBe(4096n);
    await c.send(C.SMB2_CLOSE, closeBody(fileIdOf(r)));
  });

  it("ignores unknown create contexts and answers MxAc and QFid", async () => {
    const contexts = encodeCreateContexts([
      { name: "ZZZZ", data: Buffer.from("whatever") },
      { name: "MxAc", data: Buffer.alloc(0) },
      { name: "QFid", data: Buffer.alloc(0) },
    ]);
    const r = await create("ctx.txt", { disposition: C.FILE_CREATE, contexts });
    expect(r.status).toBe(0);
    const off = r.body.readUInt32LE(80);
    const len = r.body.readUInt32LE(84);
    const ctx = r.msg.subarray(off, off + len).toString("latin1");
    expect(ctx).toContain("MxAc");
    expect(ctx).toContain("QFid");
    expect(ctx).not.toContain("ZZZZ");
    await c.send(C.SMB2_CLOSE, closeBody(fileIdOf(r)));
  });

  it("answers a timewarp (TWrp) OBJECT_NAME_NOT_FOUND and a context name under 4 bytes INVALID_PARAMETER", async () => {
    const twrp = encodeCreateContexts([{ name: "TWrp", data: Buffer.alloc(8, 1) }]);
    const warped = await create("tw.txt", { disposition: C.FILE_OPEN_IF, contexts: twrp });
    expect(warped.status).toBe(S.STATUS_OBJECT_NAME_NOT_FOUND);
    const short = encodeCreateContexts([{ name: "xxx", data: Buffer.alloc(0) }]);
    expect((await create("tw.txt", { disposition: C.FILE_OPEN_IF, contexts: short })).status).toBe(
      S.STATUS_INVALID_PARAMETER,
    );
    expect((await create("tw.txt", { disposition: C.FILE_OPEN })).status).toBe(
      S.STATUS_OBJECT_NAME_NOT_FOUND,
    );
  });
});

describe("CREATE names", () => {
  const smb = useSmbHarness();
  let c: SmbTestClient;
  beforeEach(async () => {
    c = await smb.login();
  });
  const status = async (name: string, o: Parameters<typeof createBody>[1] = {}) => {
    const r = await c.send(C.SMB2_CREATE, createBody(name, o));
    if (r.status === 0) await c.send(C.SMB2_CLOSE, closeBody(fileIdOf(r)));
    return r.status;
  };
  const names = async (dir: string, pattern: string) => {
    const d = await open(c, dir, { options: C.FILE_DIRECTORY_FILE, access: C.FILE_LIST_DIRECTORY });
    const r = await c.send(C.SMB2_QUERY_DIRECTORY, queryDirBody(d, C.FileNamesInformation, pattern));
    await c.send(C.SMB2_CLOSE, closeBody(d));
    return r.status === 0 ? entryNames(r, C.FileNamesInformation).sort() : r.status;
  };

  it("match case-insensitively as Windows: another case opens the file, a create collides", async () => {
    expect(await status("CaSe", { disposition: C.FILE_CREATE, options: C.FILE_DIRECTORY_FILE })).toBe(0);
    expect(await status("case\\Inner.txt", { disposition: C.FILE_CREATE })).toBe(0);
    expect(await status("CASE\\inner.TXT", { disposition: C.FILE_CREATE })).toBe(
      S.STATUS_OBJECT_NAME_COLLISION,
    );
    expect(await status("cAsE\\INNER.txt", { disposition: C.FILE_OPEN })).toBe(0);
    // smb2.charset wide-a: fullwidth a and A are one name, distinct from ASCII a.
    expect(await status("CaSe\\a", { disposition: C.FILE_CREATE })).toBe(0);
    expect(await status("CaSe\\\uff41", { disposition: C.FILE_CREATE })).toBe(0);
    expect(await status("CaSe\\\uff21", { disposition: C.FILE_CREATE })).toBe(S.STATUS_OBJECT_NAME_COLLISION);
    // An exact QUERY_DIRECTORY name finds the entry in its stored case.
    expect(await names("case", "INNER.TXT")).toEqual(["Inner.txt"]);
    // NFS still sees names exactly.
    const root = smb.h.metadata.rootHandle("/export");
    const nfs = { uid: 0, gid: 0, gids: [] };
    await expect(smb.h.metadata.lookup(nfs, root, "case")).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("renames to another case of the same name, and a rename onto another case collides", async () => {
    const dir = await open(c, "rn", { disposition: C.FILE_CREATE, options: C.FILE_DIRECTORY_FILE });
    await c.send(C.SMB2_CLOSE, closeBody(dir));
    const f = await open(c, "rn\\lower.txt", { disposition: C.FILE_CREATE, access: C.DELETE });
    const rename = (to: string) =>
      c.send(C.SMB2_SET_INFO, setInfoBody(f, C.SMB2_0_INFO_FILE, C.FileRenameInformation, renameInfo(to)));
    expect((await rename("rn\\LOWER.txt")).status).toBe(0);
    expect(await names("rn", "*")).toEqual([".", "..", "LOWER.txt"]);
    await c.send(C.SMB2_CLOSE, closeBody(await open(c, "rn\\other.txt", { disposition: C.FILE_CREATE })));
    expect((await rename("RN\\OTHER.TXT")).status).toBe(S.STATUS_OBJECT_NAME_COLLISION);
    await c.send(C.SMB2_CLOSE, closeBody(f));
  });
});
