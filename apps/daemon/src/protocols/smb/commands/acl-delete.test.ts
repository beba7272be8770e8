/**
 * Delete on close decided by stored ACLs ([MS-FSA] §2.1.5.1.2.1): an open is granted DELETE when
 * the file's ACL grants it or its directory's ACL grants FILE_DELETE_CHILD, and refused when
 * neither does, whatever the modes (NFS's approximation) say; both CREATE's FILE_DELETE_ON_CLOSE
 * and SET_INFO FileDispositionInformation then unlink at the last close. The modes give Bob
 * (other) no write on Alice's directories.
 */
import { describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import * as S from "../ntstatus.ts";
import { GENERIC_READ_FILE, mkdir, SEE, setDacl } from "../testing/acl.ts";
import {
  closeBody,
  createBody,
  fileIdOf,
  open,
  renameInfo,
  setInfoBody,
  writeFile,
} from "../testing/bodies.ts";
import { shareInfo } from "../testing/context.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import { ALICE, BOB } from "../testing/harness.ts";
import { type FileId, SmbTestClient } from "../testing/smb-client.ts";

/** Whether `name` exists (opened for its attributes; a refusal fails the test). */
const exists = async (c: SmbTestClient, name: string) => {
  const r = await c.send(
    C.SMB2_CREATE,
    createBody(name, { disposition: C.FILE_OPEN, access: C.FILE_READ_ATTRIBUTES }),
  );
  if (r.status === S.STATUS_OBJECT_NAME_NOT_FOUND) return false;
  expect(r.status, name).toBe(0);
  await c.send(C.SMB2_CLOSE, closeBody(fileIdOf(r)));
  return true;
};

const docOpen = (c: SmbTestClient, name: string) =>
  c.send(
    C.SMB2_CREATE,
    createBody(name, { disposition: C.FILE_OPEN, access: C.DELETE, options: C.FILE_DELETE_ON_CLOSE }),
  );

const disposition = (f: FileId) =>
  setInfoBody(f, C.SMB2_0_INFO_FILE, C.FileDispositionInformation, Buffer.from([1]));

describe("delete on close and a directory's FILE_DELETE_CHILD", () => {
  const smb = useSmbHarness({ shares: [shareInfo("/team")] });
  const login = (u: typeof ALICE) => SmbTestClient.login(smb.h.port, u.user, u.password, "team");

  it("deletes a file its ACL withholds DELETE from when the directory's ACL grants FILE_DELETE_CHILD", async () => {
    const [alice, bob] = [await login(ALICE), await login(BOB)];
    await mkdir(alice, "pub");
    for (const f of ["doc.txt", "disp.txt", "plain.txt"]) await writeFile(alice, `pub\\${f}`, Buffer.from(f));
    await setDacl(alice, "pub", SEE | C.FILE_DELETE_CHILD, true);
    await setDacl(alice, "pub\\doc.txt", GENERIC_READ_FILE);
    await setDacl(alice, "pub\\disp.txt", GENERIC_READ_FILE);
    // plain.txt keeps no stored ACL: the directory's still decides.
    for (const name of ["pub\\doc.txt", "pub\\plain.txt"]) {
      const r = await docOpen(bob, name);
      expect(r.status, name).toBe(0);
      await bob.send(C.SMB2_CLOSE, closeBody(fileIdOf(r)));
      expect(await exists(alice, name), name).toBe(false);
    }
    const f = await open(bob, "pub\\disp.txt", { disposition: C.FILE_OPEN, access: C.DELETE });
    expect((await bob.send(C.SMB2_SET_INFO, disposition(f))).status).toBe(0);
    await bob.send(C.SMB2_CLOSE, closeBody(f));
    expect(await exists(alice, "pub\\disp.txt")).toBe(false);
    bob.close();
    alice.close();
  });

  it("refuses DELETE when neither the file's ACL nor the directory's grants it", async () => {
    const [alice, bob] = [await login(ALICE), await login(BOB)];
    await mkdir(alice, "priv");
    await mkdir(alice, "modes");
    for (const f of ["priv\\acl.txt", "priv\\plain.txt", "modes\\acl.txt"])
      await writeFile(alice, f, Buffer.from(f));
    // Bob may add to "priv" but not delete from it.
    await setDacl(alice, "priv", SEE | C.FILE_ADD_FILE | C.FILE_ADD_SUBDIRECTORY, true);
    await setDacl(alice, "priv\\acl.txt", GENERIC_READ_FILE);
    // "modes" has no stored ACL: its mode gives Bob no write, so no FILE_DELETE_CHILD.
    await setDacl(alice, "modes\\acl.txt", GENERIC_READ_FILE);
    for (const name of ["priv\\acl.txt", "modes\\acl.txt", "priv\\plain.txt"]) {
      expect((await docOpen(bob, name)).status, name).toBe(S.STATUS_ACCESS_DENIED);
      expect(await exists(alice, name), name).toBe(true);
    }
    bob.close();
    alice.close();
  });

  it("a link replaces a file as the directory's ACL decides, though its mode gives no write", async () => {
    const [alice, bob] = [await login(ALICE), await login(BOB)];
    await mkdir(alice, "links");
    await mkdir(bob, "bobs");
    for (const f of ["old.txt", "kept.txt"]) await writeFile(alice, `links\\${f}`, Buffer.from(f));
    await writeFile(bob, "bobs\\mine.txt", Buffer.from("mine"));
    await setDacl(alice, "links", SEE | C.FILE_ADD_FILE | C.FILE_DELETE_CHILD, true);
    const mine = await open(bob, "bobs\\mine.txt", { disposition: C.FILE_OPEN });
    const link = (to: string) =>
      bob.send(
        C.SMB2_SET_INFO,
        setInfoBody(mine, C.SMB2_0_INFO_FILE, C.FileLinkInformation, renameInfo(to, true)),
      );
    expect((await link("links\\old.txt")).status).toBe(0);
    const r = await alice.send(
      C.SMB2_CREATE,
      createBody("links\\old.txt", { disposition: C.FILE_OPEN, access: C.FILE_READ_ATTRIBUTES }),
    );
    expect(r.status).toBe(0);
    expect(r.body.readBigUInt64LE(48)).toBe(4n); // EndofFile: "mine", the linked file's
    await alice.send(C.SMB2_CLOSE, closeBody(fileIdOf(r)));
    // Without FILE_DELETE_CHILD (and no DELETE on the file) the replaced name stays.
    await setDacl(alice, "links", SEE | C.FILE_ADD_FILE, true);
    expect((await link("links\\kept.txt")).status).toBe(S.STATUS_ACCESS_DENIED);
    expect(await exists(alice, "links\\kept.txt")).toBe(true);
    bob.close();
    alice.close();
  });
});
