import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import * as S from "../ntstatus.ts";
import { open, queryInfoBody, setInfoBody, writeFile } from "../testing/bodies.ts";
import { shareInfo } from "../testing/context.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import { ALICE } from "../testing/harness.ts";
import { SmbTestClient } from "../testing/smb-client.ts";

describe("QUERY_INFO", () => {
  const smb = useSmbHarness();
  let c: SmbTestClient;
  beforeAll(async () => {
    const setup = await smb.login();
    await writeFile(setup, "q.txt", Buffer.alloc(5000, 1));
  });
  beforeEach(async () => {
    c = await smb.login();
  });
  const data = (r: { msg: Buffer; body: Buffer }) =>
    r.msg.subarray(r.body.readUInt16LE(2), r.body.readUInt16LE(2) + r.body.readUInt32LE(4));

  it("answers the file classes with the metadata the NFS side sees", async () => {
    const f = await open(c, "q.txt", { access: C.FILE_READ_ATTRIBUTES | C.FILE_READ_DATA });
    const attr = (
      await smb.h.metadata.lookup({ uid: 0, gid: 0, gids: [] }, smb.h.metadata.rootHandle("/export"), "q.txt")
    ).attr;
    const std = data(
      await c.send(C.SMB2_QUERY_INFO, queryInfoBody(f, C.SMB2_0_INFO_FILE, C.FileStandardInformation)),
    );
    expect(std.readBigUInt64LE(8)).toBe(5000n);
    expect(std.readUInt32LE(16)).toBe(1);
    const internal = data(
      await c.send(C.SMB2_QUERY_INFO, queryInfoBody(f, C.SMB2_0_INFO_FILE, C.FileInternalInformation)),
    );
    expect(internal.readBigUInt64LE(0)).toBe(attr.fileid);
    const all = data(
      await c.send(C.SMB2_QUERY_INFO, queryInfoBody(f, C.SMB2_0_INFO_FILE, C.FileAllInformation)),
    );
    expect(all.subarray(100).toString("utf16le")).toBe("\\q.txt");
    const streams = data(
      await c.send(C.SMB2_QUERY_INFO, queryInfoBody(f, C.SMB2_0_INFO_FILE, C.FileStreamInformation)),
    );
    expect(streams.subarray(24).toString("utf16le")).toBe("::$DATA");
    const basic = data(
      await c.send(C.SMB2_QUERY_INFO, queryInfoBody(f, C.SMB2_0_INFO_FILE, C.FileBasicInformation)),
    );
    expect(basic.readBigUInt64LE(16)).toBe(
      BigInt(attr.mtime.sec) * 10_000_000n + BigInt(Math.floor(attr.mtime.nsec / 100)) + 116444736000000000n,
    );
  });

  it("truncates variable classes with BUFFER_OVERFLOW, refuses too-small fixed ones", async () => {
    const f = await open(c, "q.txt", { access: C.FILE_READ_ATTRIBUTES });
    expect(
      (await c.send(C.SMB2_QUERY_INFO, queryInfoBody(f, C.SMB2_0_INFO_FILE, C.FileAllInformation, 104)))
        .status,
    ).toBe(S.STATUS_BUFFER_OVERFLOW);
    expect(
      (await c.send(C.SMB2_QUERY_INFO, queryInfoBody(f, C.SMB2_0_INFO_FILE, C.FileBasicInformation, 39)))
        .status,
    ).toBe(S.STATUS_INFO_LENGTH_MISMATCH);
    expect((await c.send(C.SMB2_QUERY_INFO, queryInfoBody(f, C.SMB2_0_INFO_FILE, 99))).status).toBe(
      S.STATUS_INVALID_INFO_CLASS,
    );
    const noAttr = await open(c, "q.txt", { access: C.FILE_READ_DATA });
    expect(
      (await c.send(C.SMB2_QUERY_INFO, queryInfoBody(noAttr, C.SMB2_0_INFO_FILE, C.FileBasicInformation)))
        .status,
    ).toBe(S.STATUS_ACCESS_DENIED);
  });

  it("answers file-system classes and a security descriptor from owner/group/mode", async () => {
    const root = await open(c, "", { access: C.FILE_READ_ATTRIBUTES | C.READ_CONTROL });
    const size = data(
      await c.send(C.SMB2_QUERY_INFO, queryInfoBody(root, C.SMB2_0_INFO_FILESYSTEM, C.FileFsSizeInformation)),
    );
    expect(size.readUInt32LE(20)).toBe(512);
    const attrs = data(
      await c.send(
        C.SMB2_QUERY_INFO,
        queryInfoBody(root, C.SMB2_0_INFO_FILESYSTEM, C.FileFsAttributeInformation),
      ),
    );
    expect(attrs.subarray(12).toString("utf16le")).toBe("NTFS");
    const f = await open(c, "q.txt", { access: C.READ_CONTROL });
    const sd = data(
      await c.send(
        C.SMB2_QUERY_INFO,
        queryInfoBody(
          f,
          C.SMB2_0_INFO_SECURITY,
          0,
          4096,
          C.OWNER_SECURITY_INFORMATION | C.DACL_SECURITY_INFORMATION,
        ),
      ),
    );
    expect(sd.readUInt16LE(2) & 0x8004).toBe(0x8004);
    const owner = sd.subarray(sd.readUInt32LE(4));
    expect(owner.readUInt32LE(8 + 4)).toBe(ALICE.uid); // S-1-22-1-<uid>
    const small = await c.send(
      C.SMB2_QUERY_INFO,
      queryInfoBody(f, C.SMB2_0_INFO_SECURITY, 0, 8, C.DACL_SECURITY_INFORMATION),
    );
    expect(small.status).toBe(S.STATUS_BUFFER_TOO_SMALL);
  });

  it("answers FileFsVolumeInformation of a one-character share in 20 bytes, yet refuses buffers below 24", async () => {
    await smb.h.addShare(shareInfo("/v"));
    const one = await SmbTestClient.login(smb.h.port, ALICE.user, ALICE.password, "v");
    try {
      const root = await open(one, "", { access: C.FILE_READ_ATTRIBUTES });
      const ask = (len: number) =>
        one.send(
          C.SMB2_QUERY_INFO,
          queryInfoBody(root, C.SMB2_0_INFO_FILESYSTEM, C.FileFsVolumeInformation, len),
        );
      // [MS-FSA] §2.1.5.13.1: the minimum is BlockAlign(18, 8) whatever the label's length.
      for (const len of [18, 20, 23]) expect((await ask(len)).status).toBe(S.STATUS_INFO_LENGTH_MISMATCH);
      const vol = await ask(24);
      expect(vol.status).toBe(0);
      expect(data(vol).length).toBe(20);
      expect(data(vol).readUInt32LE(12)).toBe(2);
      expect(data(vol).subarray(18).toString("utf16le")).toBe("v");
    } finally {
      one.close();
    }
  });

  it("counts NumberOfLinks as Windows: less the link a pending delete removes; one for a directory", async () => {
    await writeFile(c, "links.txt", Buffer.from("x"));
    const f = await open(c, "links.txt", { access: C.DELETE | C.FILE_READ_ATTRIBUTES });
    const links = async (h: typeof f) =>
      data(await c.send(C.SMB2_QUERY_INFO, queryInfoBody(h, C.SMB2_0_INFO_FILE, C.FileStandardInformation)));
    const disposition = (on: number) =>
      c.send(
        C.SMB2_SET_INFO,
        setInfoBody(f, C.SMB2_0_INFO_FILE, C.FileDispositionInformation, Buffer.from([on])),
      );
    expect((await links(f)).readUInt32LE(16)).toBe(1);
    expect((await disposition(1)).status).toBe(0);
    const pending = await links(f);
    expect([pending.readUInt32LE(16), pending.readUInt8(20)]).toEqual([0, 1]);
    expect((await disposition(0)).status).toBe(0);
    expect((await links(f)).readUInt32LE(16)).toBe(1);
    await open(c, "ldir", { disposition: C.FILE_CREATE, options: C.FILE_DIRECTORY_FILE });
    await open(c, "ldir\\sub", { disposition: C.FILE_CREATE, options: C.FILE_DIRECTORY_FILE });
    const d = await open(c, "ldir", { options: C.FILE_DIRECTORY_FILE, access: C.FILE_READ_ATTRIBUTES });
    expect((await links(d)).readUInt32LE(16)).toBe(1);
  });

  it("answers FileNormalizedNameInformation on SMB 3.1.1 only: the path from the root, a stream's stored name", async () => {
    const normalized = async (client: SmbTestClient, name: string) => {
      const f = await open(client, name, { access: C.FILE_READ_ATTRIBUTES });
      const r = await client.send(
        C.SMB2_QUERY_INFO,
        queryInfoBody(f, C.SMB2_0_INFO_FILE, C.FileNormalizedNameInformation),
      );
      return r.status === 0 ? data(r).subarray(4).toString("utf16le") : r.status;
    };
    const c = await smb.login([C.SMB2_DIALECT_311]);
    await open(c, "nOrm", { disposition: C.FILE_OPEN_IF, options: C.FILE_DIRECTORY_FILE });
    await open(c, "nOrm\\fIle", { disposition: C.FILE_OPEN_IF });
    await open(c, "nOrm\\fIle:sTrEaM", { disposition: C.FILE_OPEN_IF });
    expect(await normalized(c, "")).toBe("");
    expect(await normalized(c, "nOrm")).toBe("nOrm");
    expect(await normalized(c, "nOrm/fIle::$DATA")).toBe("nOrm\\fIle");
    expect(await normalized(c, "nOrm\\fIle:STREAM:$DATA")).toBe("nOrm\\fIle:sTrEaM");
    // Opened in another case, the names are the stored ones (smbtorture smb2.getinfo.normalized).
    expect(await normalized(c, "NORM\\file")).toBe("nOrm\\fIle");
    expect(await normalized(c, "norm\\FILE:stream")).toBe("nOrm\\fIle:sTrEaM");
    const old = await smb.login([C.SMB2_DIALECT_210, C.SMB2_DIALECT_302]);
    expect(await normalized(old, "nOrm")).toBe(S.STATUS_NOT_SUPPORTED);
  });
});
