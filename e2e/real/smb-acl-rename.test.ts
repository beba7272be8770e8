/**
 * smbclient (Debian Samba 4.17) renames as a user whose rights come from stored ACLs only: the
 * modes (NFS's approximation) give Bob nothing on the source directory, its ACL lets him see it,
 * the file's ACL grants him DELETE and the target directory's FILE_ADD_FILE ([MS-SMB2]
 * §3.3.5.21.1). A target directory whose ACL withholds FILE_ADD_FILE refuses him. Listing one
 * name of a directory whose ACL lets him list it finds it, as listing `*` does.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as C from "../../apps/daemon/src/protocols/smb/constants.ts";
import { SEE, setDacl } from "../../apps/daemon/src/protocols/smb/testing/acl.ts";
import { closeBody, open, writeFile } from "../../apps/daemon/src/protocols/smb/testing/bodies.ts";
import { shareInfo } from "../../apps/daemon/src/protocols/smb/testing/context.ts";
import {
  ALICE,
  BOB,
  type SmbHarness,
  startSmbHarness,
} from "../../apps/daemon/src/protocols/smb/testing/harness.ts";
import { SmbTestClient } from "../../apps/daemon/src/protocols/smb/testing/smb-client.ts";
import { smbclient } from "./smb-helpers.ts";

/** What smbclient's rename opens the source with besides DELETE. */
const OPEN_FOR_RENAME = C.DELETE | C.FILE_READ_ATTRIBUTES | C.SYNCHRONIZE | C.READ_CONTROL;

describe("smbclient renames decided by stored ACLs", () => {
  let h: SmbHarness;
  let dir: string;
  const bob = () => ({ port: h.port, user: BOB.user, password: BOB.password, share: "team" });

  beforeAll(async () => {
    h = await startSmbHarness({ shares: [shareInfo("/team")] });
    dir = mkdtempSync(join(tmpdir(), "smb-acl-rename-"));
    const alice = await SmbTestClient.login(h.port, ALICE.user, ALICE.password, "team");
    for (const d of ["from", "to", "closed"]) {
      const made = await open(alice, d, { disposition: C.FILE_CREATE, options: C.FILE_DIRECTORY_FILE });
      await alice.send(C.SMB2_CLOSE, closeBody(made));
    }
    for (const f of ["a.txt", "b.txt"]) await writeFile(alice, `from\\${f}`, Buffer.from(f));
    await setDacl(alice, "from", SEE, true);
    await setDacl(alice, "to", SEE | C.FILE_ADD_FILE, true);
    await setDacl(alice, "closed", SEE, true);
    for (const f of ["a.txt", "b.txt"]) await setDacl(alice, `from\\${f}`, OPEN_FOR_RENAME);
    alice.close();
  });
  afterAll(async () => {
    await h?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("moves a file the ACLs let him delete into a directory they let him add to", async () => {
    const r = await smbclient(bob(), "rename from\\a.txt to\\a.txt; ls to\\*", dir);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/ a\.txt +A/);
    const from = await smbclient(bob(), "ls from\\*", dir);
    expect(from.code, from.out).toBe(0);
    expect(from.out).not.toContain("a.txt");
  });

  it("is refused a directory whose ACL withholds FILE_ADD_FILE", async () => {
    const r = await smbclient(bob(), "rename from\\b.txt closed\\b.txt", dir);
    expect(r.out).toContain("NT_STATUS_ACCESS_DENIED");
    const still = await smbclient(bob(), "ls from\\*", dir);
    expect(still.out).toMatch(/ b\.txt +A/);
  });

  // QUERY_DIRECTORY of one exact name is a lookup in the directory, which its stored ACL does not
  // stop (traversal by privilege) where the mode (NFS's) gives Bob no x.
  it("lists one name of a directory whose ACL lets him list it", async () => {
    const r = await smbclient(bob(), "ls from\\b.txt", dir);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/ b\.txt +A/);
  });
});
