import { beforeEach, describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import * as S from "../ntstatus.ts";
import {
  closeBody,
  createBody,
  createContext,
  open,
  queryInfoBody,
  setInfoBody,
  writeFile,
} from "../testing/bodies.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import type { FileId, SmbTestClient } from "../testing/smb-client.ts";

/** [MS-FSCC] §2.4.15 FILE_FULL_EA_INFORMATION entries, built byte by byte. */
function eaList(entries: [string, string][]): Buffer {
  const parts = entries.map(([name, value], i) => {
    const raw = Buffer.concat([
      Buffer.alloc(8),
      Buffer.from(name, "latin1"),
      Buffer.alloc(1),
      Buffer.from(value, "latin1"),
    ]);
    raw[5] = name.length;
    raw.writeUInt16LE(value.length, 6);
    const padded =
      i < entries.length - 1 ? Buffer.concat([raw, Buffer.alloc((4 - (raw.length % 4)) % 4)]) : raw;
    if (i < entries.length - 1) padded.writeUInt32LE(padded.length, 0);
    return padded;
  });
  return Buffer.concat(parts);
}

/** Name/value pairs of a FILE_FULL_EA_INFORMATION answer. */
function parseEas(body: Buffer): [string, string][] {
  const data = body.subarray(8, 8 + body.readUInt32LE(4));
  const out: [string, string][] = [];
  for (let at = 0; ; ) {
    const next = data.readUInt32LE(at);
    const n = data[at + 5]!;
    const v = data.readUInt16LE(at + 6);
    out.push([
      data.subarray(at + 8, at + 8 + n).toString("latin1"),
      data.subarray(at + 9 + n, at + 9 + n + v).toString("latin1"),
    ]);
    if (next === 0) return out;
    at += next;
  }
}

describe("extended attributes (FileFullEaInformation, ExtA)", () => {
  const smb = useSmbHarness();
  let c: SmbTestClient;
  beforeEach(async () => {
    c = await smb.login();
  });
  const setEas = (f: FileId, list: Buffer) =>
    c.send(C.SMB2_SET_INFO, setInfoBody(f, C.SMB2_0_INFO_FILE, C.FileFullEaInformation, list));
  const query = (f: FileId, cls: number, outLen = 65536) =>
    c.send(C.SMB2_QUERY_INFO, queryInfoBody(f, C.SMB2_0_INFO_FILE, cls, outLen));

  it("sets, lists, replaces case-insensitively and removes EAs; EaSize follows", async () => {
    await writeFile(c, "e.txt", Buffer.from("x"));
    const f = await open(c, "e.txt");
    expect((await query(f, C.FileFullEaInformation)).status).toBe(S.STATUS_NO_EAS_ON_FILE);
    expect(
      (
        await setEas(
          f,
          eaList([
            ["user.one", "1"],
            ["TWO", "second"],
          ]),
        )
      ).status,
    ).toBe(0);
    expect(parseEas((await query(f, C.FileFullEaInformation)).body)).toEqual([
      ["TWO", "second"],
      ["user.one", "1"],
    ]);
    // Two entries: 8 + 3 + 1 + 6 = 18 → 20, and 8 + 8 + 1 + 1 = 18 → 20.
    expect((await query(f, C.FileEaInformation)).body.readUInt32LE(8)).toBe(40);
    expect(
      (
        await setEas(
          f,
          eaList([
            ["two", "2"],
            ["USER.ONE", ""],
          ]),
        )
      ).status,
    ).toBe(0);
    expect(parseEas((await query(f, C.FileFullEaInformation)).body)).toEqual([["TWO", "2"]]);
    // A buffer too small for the one entry.
    expect((await query(f, C.FileFullEaInformation, 8)).status).toBe(S.STATUS_BUFFER_TOO_SMALL);
  });

  it("refuses bad names, malformed lists, too much data and opens without FILE_WRITE_EA", async () => {
    await writeFile(c, "bad.txt", Buffer.from("x"));
    const f = await open(c, "bad.txt");
    expect((await setEas(f, eaList([["a:b", "1"]]))).status).toBe(S.STATUS_INVALID_EA_NAME);
    const broken = eaList([["ok", "1"]]);
    broken.writeUInt16LE(200, 6);
    expect((await setEas(f, broken)).status).toBe(S.STATUS_EA_LIST_INCONSISTENT);
    const big = "v".repeat(40_000);
    expect((await setEas(f, eaList([["A", big]]))).status).toBe(0);
    expect((await setEas(f, eaList([["B", big]]))).status).toBe(S.STATUS_EA_TOO_LARGE);
    const ro = await open(c, "bad.txt", { access: C.FILE_READ_DATA | C.FILE_READ_EA });
    expect((await setEas(ro, eaList([["C", "1"]]))).status).toBe(S.STATUS_ACCESS_DENIED);
    const noRead = await open(c, "bad.txt", { access: C.FILE_READ_ATTRIBUTES });
    expect((await query(noRead, C.FileFullEaInformation)).status).toBe(S.STATUS_ACCESS_DENIED);
  });

  it("applies an ExtA create context to a created file, not to one opened", async () => {
    const contexts = createContext("ExtA", eaList([["AT.CREATE", "yes"]]));
    const made = await open(c, "x.txt", { disposition: C.FILE_CREATE, contexts });
    expect(parseEas((await query(made, C.FileFullEaInformation)).body)).toEqual([["AT.CREATE", "yes"]]);
    await c.send(C.SMB2_CLOSE, closeBody(made));
    const other = createContext("ExtA", eaList([["LATER", "no"]]));
    const opened = await open(c, "x.txt", { disposition: C.FILE_OPEN_IF, contexts: other });
    expect(parseEas((await query(opened, C.FileFullEaInformation)).body)).toEqual([["AT.CREATE", "yes"]]);
    const bad = createContext("ExtA", eaList([["no|pipe", "1"]]));
    const refused = await c.send(
      C.SMB2_CREATE,
      createBody("y.txt", { disposition: C.FILE_CREATE, contexts: bad }),
    );
    expect(refused.status).toBe(S.STATUS_INVALID_EA_NAME);
    expect((await c.send(C.SMB2_CREATE, createBody("y.txt", { disposition: C.FILE_OPEN }))).status).toBe(
      S.STATUS_OBJECT_NAME_NOT_FOUND,
    );
  });
});
