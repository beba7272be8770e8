/**
 * smbclient (Debian Samba 4.17) deletes as a user whose rights come from stored ACLs only
 * ([MS-FSA] §2.1.5.1.2.1: DELETE on the file or FILE_DELETE_CHILD on its directory); its `del`
 * opens with DELETE and FILE_DELETE_ON_CLOSE. The modes (NFS's approximation) give Bob no write
 * on Alice's directories: a directory whose ACL grants him FILE_DELETE_CHILD lets him delete a
 * file without a stored ACL, and a file whose ACL withholds DELETE in a directory without one
 * (whose mode gives him no write) is refused him.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as C from "../../apps/daemon/src/protocols/smb/constants.ts";
import { GENERIC_READ_FILE, mkdir, SEE, setDacl } from "../../apps/daemon/src/protocols/smb/testing/acl.ts";
import { writeFile } from "../../apps/daemon/src/protocols/smb/testing/bodies.ts";
import { shareInfo } from "../../apps/daemon/src/protocols/smb/testing/context.ts";
import {
  ALICE,
  BOB,
  type SmbHarness,
  startSmbHarness,
} from "../../apps/daemon/src/protocols/smb/testing/harness.ts";
import { SmbTestClient } from "../../apps/daemon/src/protocols/smb/testing/smb-client.ts";
import { smbclient } from "./smb-helpers.ts";

describe("smbclient deletes decided by stored ACLs", () => {
  let h: SmbHarness;
  let dir: string;
  const bob = () => ({ port: h.port, user: BOB.user, password: BOB.password, share: "team" });
  const alice = () => ({ port: h.port, user: ALICE.user, password: ALICE.password, share: "team" });

  beforeAll(async () => {
    h = await startSmbHarness({ shares: [shareInfo("/team")] });
    dir = mkdtempSync(join(tmpdir(), "smb-acl-delete-"));
    const c = await SmbTestClient.login(h.port, ALICE.user, ALICE.password, "team");
    for (const d of ["pub", "modes"]) await mkdir(c, d);
    await writeFile(c, "pub\\plain.txt", Buffer.from("plain"));
    await writeFile(c, "modes\\locked.txt", Buffer.from("locked"));
    await setDacl(c, "pub", SEE | C.FILE_DELETE_CHILD, true);
    await setDacl(c, "modes\\locked.txt", GENERIC_READ_FILE);
    c.close();
  });
  afterAll(async () => {
    await h?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("deletes a file in a directory whose ACL grants him FILE_DELETE_CHILD", async () => {
    const r = await smbclient(bob(), "del pub\\plain.txt", dir);
    expect(r.code, r.out).toBe(0);
    const left = await smbclient(alice(), "ls pub\\*", dir);
    expect(left.code, left.out).toBe(0);
    expect(left.out).not.toContain("plain.txt");
  });

  it("is refused a file whose ACL withholds DELETE where the directory's mode gives no write", async () => {
    const r = await smbclient(bob(), "del modes\\locked.txt", dir);
    expect(r.out).toContain("NT_STATUS_ACCESS_DENIED");
    const left = await smbclient(alice(), "ls modes\\*", dir);
    expect(left.out).toMatch(/ locked\.txt +A/);
  });
});
