import { beforeEach, describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import * as S from "../ntstatus.ts";
import {
  closeBody,
  createBody,
  fileIdOf,
  open,
  queryInfoBody,
  readBody,
  setInfoBody,
  writeBody,
  writeFile,
} from "../testing/bodies.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import type { FileId, SmbTestClient } from "../testing/smb-client.ts";
import { SmbWriter } from "../wire.ts";

/** The data of a READ response (§2.2.20 DataOffset, DataLength). */
function readData(r: { body: Buffer; msg: Buffer }): string {
  const off = r.body[2]!;
  return r.msg.subarray(off, off + r.body.readUInt32LE(4)).toString("latin1");
}

/** [MS-FSCC] §2.4.43 FILE_STREAM_INFORMATION entries: name and size. */
function streamList(body: Buffer): [string, bigint][] {
  const data = body.subarray(8, 8 + body.readUInt32LE(4));
  const out: [string, bigint][] = [];
  for (let at = 0; ; ) {
    const next = data.readUInt32LE(at);
    const len = data.readUInt32LE(at + 4);
    out.push([data.subarray(at + 24, at + 24 + len).toString("utf16le"), data.readBigUInt64LE(at + 8)]);
    if (next === 0) return out;
    at += next;
  }
}

describe("CREATE of a named stream", () => {
  const smb = useSmbHarness();
  let c: SmbTestClient;
  beforeEach(async () => {
    c = await smb.login();
  });
  const create = (name: string, o: Parameters<typeof createBody>[1] = {}) =>
    c.send(C.SMB2_CREATE, createBody(name, o));
  const streams = async (f: FileId) =>
    streamList(
      (await c.send(C.SMB2_QUERY_INFO, queryInfoBody(f, C.SMB2_0_INFO_FILE, C.FileStreamInformation))).body,
    );

  it("creates the file with its stream, keeps both apart and lists them", async () => {
    const s = await create("f.txt:Stream One:$DATA", { disposition: C.FILE_CREATE });
    expect(s.status).toBe(0);
    expect(s.body.readUInt32LE(4)).toBe(C.FILE_CREATED);
    const sf = fileIdOf(s);
    expect((await c.send(C.SMB2_WRITE, writeBody(sf, 2n, Buffer.from("stream data")))).status).toBe(0);
    const read = await c.send(C.SMB2_READ, readBody(sf, 0n, 100));
    expect(readData(read)).toBe("\0\0stream data");
    await c.send(C.SMB2_CLOSE, closeBody(sf));
    await writeFile(c, "f.txt", Buffer.from("file"));
    // Names compare case-insensitively; the stream's size is reported for a stream open.
    const again = await create("f.txt:STREAM ONE", { disposition: C.FILE_OPEN });
    expect(again.body.readUInt32LE(4)).toBe(C.FILE_OPENED);
    expect(again.body.readBigUInt64LE(48)).toBe(13n);
    expect(await streams(fileIdOf(again))).toEqual([
      ["::$DATA", 4n],
      [":Stream One:$DATA", 13n],
    ]);
    await c.send(C.SMB2_CLOSE, closeBody(fileIdOf(again)));
    const base = await open(c, "f.txt", { disposition: C.FILE_OPEN });
    const data = await c.send(C.SMB2_READ, readBody(base, 0n, 100));
    expect(readData(data)).toBe("file");
  });

  it("applies dispositions to the stream and refuses bad stream names and directory options", async () => {
    await writeFile(c, "d.txt", Buffer.from("x"));
    expect((await create("d.txt:s", { disposition: C.FILE_OPEN })).status).toBe(
      S.STATUS_OBJECT_NAME_NOT_FOUND,
    );
    const made = await create("d.txt:s", { disposition: C.FILE_OPEN_IF });
    expect(made.body.readUInt32LE(4)).toBe(C.FILE_CREATED);
    await c.send(C.SMB2_WRITE, writeBody(fileIdOf(made), 0n, Buffer.from("abc")));
    await c.send(C.SMB2_CLOSE, closeBody(fileIdOf(made)));
    expect((await create("d.txt:s", { disposition: C.FILE_CREATE })).status).toBe(
      S.STATUS_OBJECT_NAME_COLLISION,
    );
    const over = await create("d.txt:s", { disposition: C.FILE_OVERWRITE });
    expect(over.body.readUInt32LE(4)).toBe(C.FILE_OVERWRITTEN);
    expect(over.body.readBigUInt64LE(48)).toBe(0n);
    await c.send(C.SMB2_CLOSE, closeBody(fileIdOf(over)));
    expect((await create("d.txt:s:$FOO")).status).toBe(S.STATUS_OBJECT_NAME_INVALID);
    expect((await create("d.txt:")).status).toBe(S.STATUS_OBJECT_NAME_INVALID);
    expect((await create("d.txt:s", { options: C.FILE_DIRECTORY_FILE })).status).toBe(
      S.STATUS_NOT_A_DIRECTORY,
    );
    await open(c, "dir", { disposition: C.FILE_CREATE, options: C.FILE_DIRECTORY_FILE });
    expect((await create("dir::$DATA")).status).toBe(S.STATUS_FILE_IS_A_DIRECTORY);
  });

  it("keeps share modes per stream and deletes only the stream on close", async () => {
    const one = fileIdOf(await create("m.txt:one", { share: 0 }));
    // Another stream of the same file is not in conflict; the same stream is.
    const two = await create("m.txt:two", { share: 0 });
    expect(two.status).toBe(0);
    expect((await create("m.txt:ONE", { share: 7 })).status).toBe(S.STATUS_SHARING_VIOLATION);
    await c.send(C.SMB2_CLOSE, closeBody(one));
    const disposition = new SmbWriter().u8(1).finish();
    const set = setInfoBody(fileIdOf(two), C.SMB2_0_INFO_FILE, C.FileDispositionInformation, disposition);
    expect((await c.send(C.SMB2_SET_INFO, set)).status).toBe(0);
    await c.send(C.SMB2_CLOSE, closeBody(fileIdOf(two)));
    const base = await open(c, "m.txt", { disposition: C.FILE_OPEN });
    expect(await streams(base)).toEqual([
      ["::$DATA", 0n],
      [":one:$DATA", 0n],
    ]);
  });

  it("a stream open without FILE_SHARE_DELETE keeps the file from being opened for DELETE; a pending delete waits for the streams", async () => {
    const s = await create("del.txt:Stream One", { share: 0, disposition: C.FILE_CREATE });
    expect(s.status).toBe(0);
    const del = { access: C.DELETE, share: 7, disposition: C.FILE_OPEN };
    expect((await create("del.txt", del)).status).toBe(S.STATUS_SHARING_VIOLATION);
    await c.send(C.SMB2_CLOSE, closeBody(fileIdOf(s)));
    const shared = await create("del.txt:Stream One", {
      access: C.FILE_READ_DATA | C.FILE_WRITE_DATA,
      share: 7,
      disposition: C.FILE_OPEN,
    });
    const sf = fileIdOf(shared);
    await c.send(C.SMB2_WRITE, writeBody(sf, 0n, Buffer.from("still here")));
    const unlink = await create("del.txt", { ...del, options: C.FILE_DELETE_ON_CLOSE });
    expect(unlink.status).toBe(0);
    await c.send(C.SMB2_CLOSE, closeBody(fileIdOf(unlink)));
    expect(readData(await c.send(C.SMB2_READ, readBody(sf, 0n, 100)))).toBe("still here");
    expect((await create("del.txt", { disposition: C.FILE_OPEN_IF })).status).toBe(S.STATUS_DELETE_PENDING);
    expect((await create("del.txt:Stream One", { disposition: C.FILE_OPEN_IF })).status).toBe(
      S.STATUS_DELETE_PENDING,
    );
    await c.send(C.SMB2_CLOSE, closeBody(sf));
    expect((await create("del.txt", { disposition: C.FILE_OPEN })).status).toBe(
      S.STATUS_OBJECT_NAME_NOT_FOUND,
    );
  });
});
