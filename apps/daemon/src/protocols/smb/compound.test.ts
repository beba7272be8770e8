/**
 * Compound chains against the real adapter ([MS-SMB2] §3.3.5.2.7): related FileId, SessionId and
 * TreeId substitution, unrelated commands that name no FileId, a first command flagged related,
 * a failed CREATE failing the related commands after it, async only for the last command, and
 * the bound on a chain's length. The expected statuses are Samba's and Windows' (smb2.compound).
 */
import { describe, expect, it } from "vitest";
import { MAX_COMPOUND_MESSAGES } from "./chain.ts";
import * as C from "./constants.ts";
import * as S from "./ntstatus.ts";
import {
  cancelFrame,
  changeNotifyBody,
  closeBody,
  createBody,
  fileIdOf,
  readBody,
  writeBody,
} from "./testing/bodies.ts";
import { useSmbHarness } from "./testing/fixture.ts";
import type { Request } from "./testing/smb-client.ts";

const RELATED = C.SMB2_FLAGS_RELATED_OPERATIONS;
const LAST = { persistent: C.SMB2_RELATED_FILE_ID, volatile: C.SMB2_RELATED_FILE_ID };
const related = (command: number, body: Buffer): Request => ({ command, body, flags: RELATED });
const statuses = (rs: { status: number }[]) => rs.map((r) => r.status);

describe("compound requests", () => {
  const fx = useSmbHarness();

  it("a related chain CREATE, WRITE, READ, CLOSE works on the FileId the CREATE made", async () => {
    const c = await fx.login();
    const data = Buffer.from("through one compound");
    const rs = await c.compound([
      { command: C.SMB2_CREATE, body: createBody("chain.txt", { disposition: C.FILE_OVERWRITE_IF }) },
      related(C.SMB2_WRITE, writeBody(LAST, 0n, data)),
      related(C.SMB2_READ, readBody(LAST, 0n, 100)),
      related(C.SMB2_CLOSE, closeBody(LAST)),
    ]);
    expect(statuses(rs)).toEqual([0, 0, 0, 0]);
    const read = rs[2]!;
    expect(read.msg.subarray(read.body.readUInt8(2), read.body.readUInt8(2) + data.length)).toEqual(data);
    for (const r of rs.slice(1)) expect(r.header.Flags & RELATED).toBe(RELATED);
    // The CREATE's own FileId was closed by the related CLOSE.
    expect((await c.send(C.SMB2_CLOSE, closeBody(fileIdOf(rs[0]!)))).status).toBe(S.STATUS_FILE_CLOSED);
  });

  it("pads every reply of a compound to 8 bytes, the last one too; a lone reply is not padded", async () => {
    const c = await fx.login();
    const made = await c.send(C.SMB2_CREATE, createBody("pad.txt", { disposition: C.FILE_OVERWRITE_IF }));
    const f = fileIdOf(made);
    await c.send(C.SMB2_WRITE, writeBody(f, 0n, Buffer.from("123")));
    // READ reply: 64-byte header, 16-byte body, 3 bytes of data (smbtorture compound-padding).
    const rs = await c.compound([
      { command: C.SMB2_READ, body: readBody(f, 0n, 3) },
      { command: C.SMB2_READ, body: readBody(f, 0n, 3) },
    ]);
    expect(rs.map((r) => r.msg.length)).toEqual([64 + 24, 64 + 24]);
    expect((await c.send(C.SMB2_READ, readBody(f, 0n, 3))).msg.length).toBe(64 + 19);
  });

  it("related commands take the previous SessionId and TreeId, whatever their headers say", async () => {
    const c = await fx.login();
    const rs = await c.compound([
      { command: C.SMB2_CREATE, body: createBody("ids.txt") },
      { ...related(C.SMB2_CLOSE, closeBody(LAST)), treeId: 0xffffffff },
    ]);
    expect(statuses(rs)).toEqual([0, 0]);
  });

  it("an unrelated command's all-ones FileId names no open (FILE_CLOSED), nor does a related one after it", async () => {
    const c = await fx.login();
    const rs = await c.compound([
      { command: C.SMB2_CREATE, body: createBody("unrelated.txt") },
      { command: C.SMB2_CLOSE, body: closeBody(LAST) },
      related(C.SMB2_CLOSE, closeBody(LAST)),
    ]);
    expect(statuses(rs)).toEqual([0, S.STATUS_FILE_CLOSED, S.STATUS_FILE_CLOSED]);
    expect((await c.send(C.SMB2_CLOSE, closeBody(fileIdOf(rs[0]!)))).status).toBe(0);
  });

  it("a first command flagged related fails INVALID_PARAMETER, and so do related ones after it", async () => {
    const c = await fx.login();
    const rs = await c.compound([
      related(C.SMB2_CREATE, createBody("first-related.txt")),
      related(C.SMB2_CLOSE, closeBody(LAST)),
      { command: C.SMB2_CLOSE, body: closeBody(LAST) },
    ]);
    expect(statuses(rs)).toEqual([
      S.STATUS_INVALID_PARAMETER,
      S.STATUS_INVALID_PARAMETER,
      S.STATUS_FILE_CLOSED,
    ]);
  });

  it("a failed CREATE fails every related command after it with its status", async () => {
    const c = await fx.login();
    const rs = await c.compound([
      { command: C.SMB2_CREATE, body: createBody("missing.txt", { disposition: C.FILE_OPEN }) },
      related(C.SMB2_READ, readBody(LAST, 0n, 10)),
      related(C.SMB2_CLOSE, closeBody(LAST)),
    ]);
    expect(statuses(rs)).toEqual(Array(3).fill(S.STATUS_OBJECT_NAME_NOT_FOUND));
  });

  it("only the last command goes async: its interim reply follows the others, a middle one fails", async () => {
    const c = await fx.login();
    const dir = createBody("watched-dir", { options: C.FILE_DIRECTORY_FILE, disposition: C.FILE_OPEN_IF });
    const notify = changeNotifyBody(LAST, 0x3);
    const middle = await c.compound([
      { command: C.SMB2_CREATE, body: dir },
      related(C.SMB2_CHANGE_NOTIFY, notify),
      related(C.SMB2_CLOSE, closeBody(LAST)),
    ]);
    expect(statuses(middle)).toEqual([0, S.STATUS_INTERNAL_ERROR, 0]);
    const last = c.compound([{ command: C.SMB2_CREATE, body: dir }, related(C.SMB2_CHANGE_NOTIFY, notify)]);
    while (!c.interim.some((r) => r.header.Command === C.SMB2_CHANGE_NOTIFY)) {
      await new Promise((r) => setTimeout(r, 10));
    }
    c.raw(cancelFrame(c.interim.at(-1)!.header.AsyncId));
    expect(statuses(await last)).toEqual([0, S.STATUS_CANCELLED]);
  });

  it(`a chain longer than ${MAX_COMPOUND_MESSAGES} commands closes the connection`, async () => {
    const c = await fx.login();
    const echo: Request = { command: C.SMB2_ECHO, body: Buffer.from([4, 0, 0, 0]) };
    const ok = await c.compound(Array(MAX_COMPOUND_MESSAGES).fill(echo));
    expect(statuses(ok)).toEqual(Array(MAX_COMPOUND_MESSAGES).fill(0));
    void c.compound(Array(MAX_COMPOUND_MESSAGES + 1).fill(echo));
    await c.closed();
  });
});
