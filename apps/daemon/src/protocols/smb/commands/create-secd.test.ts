import { beforeEach, describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import { sid } from "../info/security.ts";
import * as S from "../ntstatus.ts";
import { createBody, createContext, daclSd, open, queryInfoBody } from "../testing/bodies.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import { ALICE, BOB } from "../testing/harness.ts";
import type { SmbTestClient } from "../testing/smb-client.ts";

describe("CREATE with a security descriptor (SecD)", () => {
  const smb = useSmbHarness();
  let c: SmbTestClient;
  const who = { uid: 0, gid: 0, gids: [] };
  beforeEach(async () => {
    c = await smb.login();
  });
  const mode = async (name: string) =>
    (await smb.h.metadata.lookup(who, smb.h.metadata.rootHandle("/export"), name)).attr.mode & 0o7777;
  const RWX = C.FILE_READ_DATA | C.FILE_WRITE_DATA | C.FILE_EXECUTE;

  it("gives a created file the mode its DACL maps to, and leaves an opened one alone", async () => {
    const sd = daclSd([
      [0, 0, RWX, sid(22, 1, ALICE.uid)],
      [0, 0, C.FILE_READ_DATA, sid(22, 2, ALICE.gid)],
    ]);
    const contexts = createContext("SecD", sd);
    await open(c, "secd.txt", { disposition: C.FILE_CREATE, contexts });
    expect(await mode("secd.txt")).toBe(0o740);
    const other = createContext("SecD", daclSd([[0, 0, RWX, sid(1, 0)]]));
    await open(c, "secd.txt", { disposition: C.FILE_OPEN_IF, access: C.READ_CONTROL, contexts: other });
    expect(await mode("secd.txt")).toBe(0o740);
    await open(c, "secd-dir", { disposition: C.FILE_CREATE, options: C.FILE_DIRECTORY_FILE, contexts });
    // A directory's readers may also traverse it (files/nt-acl/mode.ts).
    expect(await mode("secd-dir")).toBe(0o750);
  });

  it("stores a DACL no mode expresses (the mode its approximation); refuses a malformed descriptor", async () => {
    const bobs = daclSd([[0, 0, RWX, sid(22, 1, BOB.uid)]]);
    const foreign = createContext("SecD", bobs);
    const f = await open(c, "foreign.txt", { disposition: C.FILE_CREATE, contexts: foreign });
    expect(await mode("foreign.txt")).toBe(0);
    const q = await c.send(
      C.SMB2_QUERY_INFO,
      queryInfoBody(f, C.SMB2_0_INFO_SECURITY, 0, 4096, C.DACL_SECURITY_INFORMATION),
    );
    expect(q.msg.subarray(q.body.readUInt16LE(2), q.body.readUInt16LE(2) + q.body.readUInt32LE(4))).toEqual(
      bobs,
    );
    // The owner keeps READ_CONTROL|WRITE_DAC and nothing else the DACL does not give.
    const read = await c.send(C.SMB2_CREATE, createBody("foreign.txt", { access: C.FILE_READ_DATA }));
    expect(read.status).toBe(S.STATUS_ACCESS_DENIED);
    await open(c, "foreign.txt", { access: C.READ_CONTROL | C.WRITE_DAC });
    const bad = createContext("SecD", Buffer.alloc(8));
    const r = await c.send(
      C.SMB2_CREATE,
      createBody("bad.txt", { disposition: C.FILE_CREATE, contexts: bad }),
    );
    expect(r.status).toBe(S.STATUS_INVALID_PARAMETER);
    const gone = await c.send(C.SMB2_CREATE, createBody("bad.txt", { disposition: C.FILE_OPEN }));
    expect(gone.status).toBe(S.STATUS_OBJECT_NAME_NOT_FOUND);
  });
});
