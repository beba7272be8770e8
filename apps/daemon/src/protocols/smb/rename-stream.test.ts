import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import * as C from "./constants.ts";
import * as S from "./ntstatus.ts";
import {
  closeBody,
  createBody,
  fileIdOf,
  queryInfoBody,
  readBody,
  renameInfo,
  setInfoBody,
  writeBody,
} from "./testing/bodies.ts";
import { useSmbHarness } from "./testing/fixture.ts";
import type { FileId, SmbTestClient } from "./testing/smb-client.ts";

/** [MS-FSCC] §2.4.43 FILE_STREAM_INFORMATION: the stream names listed. */
function streamNames(body: Buffer): string[] {
  const data = body.subarray(8, 8 + body.readUInt32LE(4));
  const out: string[] = [];
  for (let at = 0; ; ) {
    const next = data.readUInt32LE(at);
    out.push(data.subarray(at + 24, at + 24 + data.readUInt32LE(at + 4)).toString("utf16le"));
    if (next === 0) return out.sort();
    at += next;
  }
}

describe("FileRenameInformation on a named stream ([MS-FSA] 2.1.5.15.11.1)", () => {
  const smb = useSmbHarness();
  const rw = C.FILE_READ_DATA | C.FILE_WRITE_DATA | C.DELETE | C.FILE_READ_ATTRIBUTES;

  async function stream(c: SmbTestClient, name: string, data: string): Promise<FileId> {
    const r = await c.send(C.SMB2_CREATE, createBody(name, { access: rw, disposition: C.FILE_CREATE }));
    expect(r.status).toBe(0);
    const f = fileIdOf(r);
    await c.send(C.SMB2_WRITE, writeBody(f, 0n, Buffer.from(data)));
    return f;
  }
  const rename = (c: SmbTestClient, f: FileId, to: string, replace = false) =>
    c.send(
      C.SMB2_SET_INFO,
      setInfoBody(f, C.SMB2_0_INFO_FILE, C.FileRenameInformation, renameInfo(to, replace)),
    );

  it("renames the stream within its file; the open goes on under the new name", async () => {
    const c = await smb.login();
    const file = `streams-${randomBytes(4).toString("hex")}.txt`;
    const one = await stream(c, `${file}:Stream One`, "first");
    await c.send(C.SMB2_CLOSE, closeBody(one));
    const two = await stream(c, `${file}:Second Stream:$DATA`, "second");
    expect((await rename(c, two, ":Stream One")).status).toBe(S.STATUS_OBJECT_NAME_COLLISION);
    expect((await rename(c, two, ":Stream One:$DaTa", true)).status).toBe(0);
    // The open keeps working, and its share reservation came along: a deny-all open of the new
    // name conflicts, one of the old name finds nothing.
    expect((await c.send(C.SMB2_WRITE, writeBody(two, 6n, Buffer.from("!")))).status).toBe(0);
    const old = await c.send(
      C.SMB2_CREATE,
      createBody(`${file}:Second Stream`, { disposition: C.FILE_OPEN }),
    );
    expect(old.status).toBe(S.STATUS_OBJECT_NAME_NOT_FOUND);
    const busy = await c.send(
      C.SMB2_CREATE,
      createBody(`${file}:stream one`, { access: C.FILE_READ_DATA, share: 0 }),
    );
    expect(busy.status).toBe(S.STATUS_SHARING_VIOLATION);
    await c.send(C.SMB2_CLOSE, closeBody(two));
    const base = fileIdOf(await c.send(C.SMB2_CREATE, createBody(file, { access: C.FILE_READ_ATTRIBUTES })));
    const info = await c.send(
      C.SMB2_QUERY_INFO,
      queryInfoBody(base, C.SMB2_0_INFO_FILE, C.FileStreamInformation),
    );
    expect(streamNames(info.body)).toEqual(["::$DATA", ":Stream One:$DATA"]);
    const again = fileIdOf(
      await c.send(C.SMB2_CREATE, createBody(`${file}:Stream One`, { disposition: C.FILE_OPEN })),
    );
    const read = await c.send(C.SMB2_READ, readBody(again, 0n, 100));
    expect(read.msg.subarray(read.body[2]!, read.body[2]! + read.body.readUInt32LE(4)).toString()).toBe(
      "second!",
    );
  });

  it("refuses a rename onto an open stream, a rename while another open has the stream, and a file path", async () => {
    const c = await smb.login();
    const file = `streams-busy-${randomBytes(4).toString("hex")}.txt`;
    const a = await stream(c, `${file}:a`, "a");
    const b = await stream(c, `${file}:b`, "b");
    expect((await rename(c, a, ":b", true)).status).toBe(S.STATUS_ACCESS_DENIED);
    await c.send(C.SMB2_CLOSE, closeBody(b));
    const second = await c.send(
      C.SMB2_CREATE,
      createBody(`${file}:a`, { access: C.FILE_READ_DATA, share: 7 }),
    );
    expect(second.status).toBe(0);
    expect((await rename(c, a, ":c")).status).toBe(S.STATUS_SHARING_VIOLATION);
    await c.send(C.SMB2_CLOSE, closeBody(fileIdOf(second)));
    expect((await rename(c, a, `${file}:c`)).status).toBe(S.STATUS_SHARING_VIOLATION);
    expect((await rename(c, a, ":c")).status).toBe(0);
    expect((await rename(c, a, ":c")).status).toBe(0);
  });

  it('"::$DATA" makes the stream the file\'s data and the open an open of the file', async () => {
    const c = await smb.login();
    const file = `streams-data-${randomBytes(4).toString("hex")}.txt`;
    const s = await stream(c, `${file}:s`, "stream bytes");
    const other = fileIdOf(await c.send(C.SMB2_CREATE, createBody(file, { access: C.FILE_READ_DATA })));
    expect((await rename(c, s, "::$DATA", true)).status).toBe(S.STATUS_SHARING_VIOLATION);
    await c.send(C.SMB2_CLOSE, closeBody(other));
    expect((await rename(c, s, "::$DATA", true)).status).toBe(0);
    // The open now reads and writes the file's data; the stream is gone.
    expect((await c.send(C.SMB2_WRITE, writeBody(s, 12n, Buffer.from("!")))).status).toBe(0);
    await c.send(C.SMB2_CLOSE, closeBody(s));
    const f = fileIdOf(await c.send(C.SMB2_CREATE, createBody(file, { access: C.FILE_READ_DATA })));
    const read = await c.send(C.SMB2_READ, readBody(f, 0n, 100));
    expect(read.msg.subarray(read.body[2]!, read.body[2]! + read.body.readUInt32LE(4)).toString()).toBe(
      "stream bytes!",
    );
    const info = await c.send(
      C.SMB2_QUERY_INFO,
      queryInfoBody(f, C.SMB2_0_INFO_FILE, C.FileStreamInformation),
    );
    expect(streamNames(info.body)).toEqual(["::$DATA"]);
    await c.send(C.SMB2_CLOSE, closeBody(f));
    // The file has data now: another stream takes its place only when replacing.
    const t = await stream(c, `${file}:t`, "t");
    expect((await rename(c, t, "::$DATA")).status).toBe(S.STATUS_OBJECT_NAME_COLLISION);
    expect((await rename(c, t, ":u")).status).toBe(0);
  });
});
