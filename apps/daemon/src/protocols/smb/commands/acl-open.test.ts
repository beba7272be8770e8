import { describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import { sid } from "../info/security.ts";
import * as S from "../ntstatus.ts";
import {
  closeBody,
  createBody,
  daclSd,
  entryNames,
  open,
  queryDirBody,
  readBody,
  setInfoBody,
  writeFile,
} from "../testing/bodies.ts";
import { shareInfo } from "../testing/context.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import { ALICE, BOB } from "../testing/harness.ts";
import { SmbTestClient } from "../testing/smb-client.ts";

const FULL = 0x001f_01ff;
const GENERIC_READ_FILE = 0x0012_0089;

describe("opens a stored ACL granted", () => {
  const smb = useSmbHarness();

  it("read and list what the ACL grants one user, though the mode (NFS's) grants that user nothing", async () => {
    const alice = await smb.login();
    await writeFile(alice, "shared.txt", Buffer.from("hello"));
    await open(alice, "d", { disposition: C.FILE_CREATE, options: C.FILE_DIRECTORY_FILE });
    await writeFile(alice, "d\\inside.txt", Buffer.from("x"));
    const dacl = daclSd([
      [0, 0, FULL, sid(22, 1, ALICE.uid)],
      [0, 0, GENERIC_READ_FILE | C.FILE_EXECUTE, sid(22, 1, BOB.uid)],
    ]);
    for (const [name, options] of [
      ["shared.txt", 0],
      ["d", C.FILE_DIRECTORY_FILE],
    ] as const) {
      const f = await open(alice, name, { access: C.WRITE_DAC | C.READ_CONTROL, options });
      const set = setInfoBody(f, C.SMB2_0_INFO_SECURITY, 0, dacl, C.DACL_SECURITY_INFORMATION);
      expect((await alice.send(C.SMB2_SET_INFO, set)).status).toBe(0);
      await alice.send(C.SMB2_CLOSE, closeBody(f));
    }
    const root = smb.h.metadata.rootHandle("/export");
    const who = { uid: 0, gid: 0, gids: [] };
    expect((await smb.h.metadata.lookup(who, root, "shared.txt")).attr.mode & 0o777).toBe(0o700);
    const bob = await SmbTestClient.login(smb.h.port, BOB.user, BOB.password);
    const f = await open(bob, "shared.txt", { access: C.FILE_READ_DATA, disposition: C.FILE_OPEN });
    const r = await bob.send(C.SMB2_READ, readBody(f, 0n, 5));
    expect(r.status).toBe(0);
    expect(r.body.subarray(16, 21).toString()).toBe("hello");
    const d = await open(bob, "d", {
      access: C.FILE_LIST_DIRECTORY,
      disposition: C.FILE_OPEN,
      options: C.FILE_DIRECTORY_FILE,
    });
    const list = await bob.send(C.SMB2_QUERY_DIRECTORY, queryDirBody(d, C.FileNamesInformation, "*"));
    expect(list.status).toBe(0);
    expect(entryNames(list, C.FileNamesInformation)).toContain("inside.txt");
    bob.close();
    alice.close();
  });
});

describe("entries a stored ACL lets another user add and delete", () => {
  const smb = useSmbHarness({ shares: [shareInfo("/team")] });
  const ADD = C.FILE_ADD_FILE | C.FILE_ADD_SUBDIRECTORY | C.FILE_TRAVERSE | C.FILE_LIST_DIRECTORY;

  it("creates in a directory whose ACL grants FILE_ADD_FILE, deletes what its ACL grants DELETE", async () => {
    const alice = await SmbTestClient.login(smb.h.port, ALICE.user, ALICE.password, "team");
    const d = await open(alice, "drop", {
      disposition: C.FILE_CREATE,
      options: C.FILE_DIRECTORY_FILE,
      access: C.WRITE_DAC | C.READ_CONTROL,
    });
    const dacl = daclSd([
      [0, 0, FULL, sid(22, 1, ALICE.uid)],
      [0, 0, ADD | C.FILE_READ_ATTRIBUTES | C.SYNCHRONIZE, sid(22, 1, BOB.uid)],
    ]);
    const set = setInfoBody(d, C.SMB2_0_INFO_SECURITY, 0, dacl, C.DACL_SECURITY_INFORMATION);
    expect((await alice.send(C.SMB2_SET_INFO, set)).status).toBe(0);
    const bob = await SmbTestClient.login(smb.h.port, BOB.user, BOB.password, "team");
    // The directory's mode gives Bob (other) nothing; its ACL lets him add a file.
    const b = await open(bob, "drop\\b.txt", { disposition: C.FILE_CREATE, access: FULL });
    const own = daclSd([[0, 0, FULL, sid(22, 1, BOB.uid)]]);
    const mine = setInfoBody(b, C.SMB2_0_INFO_SECURITY, 0, own, C.DACL_SECURITY_INFORMATION);
    expect((await bob.send(C.SMB2_SET_INFO, mine)).status).toBe(0);
    await bob.send(C.SMB2_CLOSE, closeBody(b));
    // No FILE_DELETE_CHILD on the directory, but DELETE on the file: delete-on-close removes it.
    const doomed = await open(bob, "drop\\b.txt", {
      disposition: C.FILE_OPEN,
      access: C.DELETE,
      options: C.FILE_DELETE_ON_CLOSE,
    });
    await bob.send(C.SMB2_CLOSE, closeBody(doomed));
    const gone = await alice.send(C.SMB2_CREATE, createBody("drop\\b.txt", { disposition: C.FILE_OPEN }));
    expect(gone.status).toBe(S.STATUS_OBJECT_NAME_NOT_FOUND);
    bob.close();
    alice.close();
  });
});
