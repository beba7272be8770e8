import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import * as S from "../ntstatus.ts";
import { entryNames, open, queryDirBody, writeFile } from "../testing/bodies.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import type { SmbTestClient } from "../testing/smb-client.ts";

describe("QUERY_DIRECTORY", () => {
  const smb = useSmbHarness();
  let c: SmbTestClient;
  const names = Array.from({ length: 40 }, (_, i) => `file${String(i).padStart(2, "0")}.txt`);
  beforeAll(async () => {
    const setup = await smb.login();
    await open(setup, "sub", { disposition: C.FILE_CREATE, options: C.FILE_DIRECTORY_FILE });
    for (const n of names) await writeFile(setup, `sub\\${n}`, Buffer.from(n));
    await writeFile(setup, "sub\\other.dat", Buffer.from("o"));
  });
  beforeEach(async () => {
    c = await smb.login();
  });

  async function listAll(cls: number, pattern: string, outLen = 65536): Promise<string[]> {
    const d = await open(c, "sub", { access: C.FILE_LIST_DIRECTORY });
    const out: string[] = [];
    for (;;) {
      const r = await c.send(C.SMB2_QUERY_DIRECTORY, queryDirBody(d, cls, pattern, 0, outLen));
      if (r.status === S.STATUS_NO_MORE_FILES) return out;
      expect(r.status).toBe(0);
      out.push(...entryNames(r, cls));
    }
  }

  it.each([
    C.FileNamesInformation,
    C.FileDirectoryInformation,
    C.FileFullDirectoryInformation,
    C.FileBothDirectoryInformation,
    C.FileIdBothDirectoryInformation,
    C.FileIdFullDirectoryInformation,
  ])("class %i lists '.', '..' and every entry across small buffers", async (cls) => {
    if (cls === C.FileBothDirectoryInformation || cls === C.FileIdFullDirectoryInformation) {
      // Name offsets differ per class; counting entries is enough here.
      const d = await open(c, "sub", { access: C.FILE_LIST_DIRECTORY });
      const r = await c.send(C.SMB2_QUERY_DIRECTORY, queryDirBody(d, cls, "*"));
      expect(r.status).toBe(0);
      return;
    }
    const got = await listAll(cls, "*", 1024);
    expect(got.sort()).toEqual([".", "..", ...names, "other.dat"].sort());
  });

  it("matches * and ? patterns case-insensitively; no match is NO_SUCH_FILE", async () => {
    expect((await listAll(C.FileNamesInformation, "FILE1?.TXT")).sort()).toEqual(
      names.filter((n) => n.startsWith("file1")),
    );
    expect(await listAll(C.FileNamesInformation, "*.dat")).toEqual(["other.dat"]);
    const d = await open(c, "sub", { access: C.FILE_LIST_DIRECTORY });
    expect(
      (await c.send(C.SMB2_QUERY_DIRECTORY, queryDirBody(d, C.FileNamesInformation, "*.none"))).status,
    ).toBe(S.STATUS_NO_SUCH_FILE);
  });

  it("returns a single entry, restarts, and looks up an exact name", async () => {
    const d = await open(c, "sub", { access: C.FILE_LIST_DIRECTORY });
    const one = await c.send(
      C.SMB2_QUERY_DIRECTORY,
      queryDirBody(d, C.FileNamesInformation, "*", C.SMB2_RETURN_SINGLE_ENTRY),
    );
    expect(entryNames(one, C.FileNamesInformation)).toEqual(["."]);
    const restart = await c.send(
      C.SMB2_QUERY_DIRECTORY,
      queryDirBody(d, C.FileNamesInformation, "*", C.SMB2_RESTART_SCANS | C.SMB2_RETURN_SINGLE_ENTRY),
    );
    expect(entryNames(restart, C.FileNamesInformation)).toEqual(["."]);
    const exact = await c.send(
      C.SMB2_QUERY_DIRECTORY,
      queryDirBody(d, C.FileNamesInformation, "file07.txt", C.SMB2_REOPEN),
    );
    expect(entryNames(exact, C.FileNamesInformation)).toEqual(["file07.txt"]);
    expect((await c.send(C.SMB2_QUERY_DIRECTORY, queryDirBody(d, C.FileNamesInformation, ""))).status).toBe(
      S.STATUS_NO_MORE_FILES,
    );
  });

  it("refuses files and unknown classes", async () => {
    const f = await open(c, "sub\\other.dat");
    expect((await c.send(C.SMB2_QUERY_DIRECTORY, queryDirBody(f, C.FileNamesInformation, "*"))).status).toBe(
      S.STATUS_INVALID_PARAMETER,
    );
    const d = await open(c, "sub", { access: C.FILE_LIST_DIRECTORY });
    expect((await c.send(C.SMB2_QUERY_DIRECTORY, queryDirBody(d, 99, "*"))).status).toBe(
      S.STATUS_INVALID_INFO_CLASS,
    );
  });
});
