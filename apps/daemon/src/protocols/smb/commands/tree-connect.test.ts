import { describe, expect, it, vi } from "vitest";
import { AES_128_CCM } from "../auth/encryption.ts";
import * as C from "../constants.ts";
import {
  STATUS_ACCESS_DENIED,
  STATUS_BAD_NETWORK_NAME,
  STATUS_MEDIA_WRITE_PROTECTED,
  STATUS_NETWORK_NAME_DELETED,
  STATUS_OBJECT_NAME_NOT_FOUND,
} from "../ntstatus.ts";
import { createBody, open } from "../testing/bodies.ts";
import { shareInfo } from "../testing/context.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import { ALICE, BOB } from "../testing/harness.ts";
import { SmbTestClient } from "../testing/smb-client.ts";

describe("TREE_CONNECT / TREE_DISCONNECT", () => {
  const smb = useSmbHarness({
    shares: [
      shareInfo("/export"),
      shareInfo("/frozen", { readOnly: true }),
      shareInfo("/nfsonly", { protocols: { nfs: true, smb: false } }),
      shareInfo("/vault", { encryptData: true }),
    ],
  });

  it("connects by share name without the slash, case-insensitively, and reports the share", async () => {
    const c = await SmbTestClient.connect(smb.h.port);
    await c.negotiate();
    await c.sessionSetup(ALICE.user, ALICE.password);
    const r = await c.treeConnect("EXPORT");
    expect(r.status).toBe(0);
    expect(r.body[2]).toBe(C.SMB2_SHARE_TYPE_DISK);
    expect(r.body.readUInt32LE(12)).toBe(C.FILE_ALL_ACCESS);
    expect(smb.h.ctx.clients.list().some((x) => x.share === "/export" && x.user === "alice")).toBe(true);
    c.close();
  });

  it("an admin's disconnect closes the session's connection and drops it from the clients", async () => {
    const c = await SmbTestClient.connect(smb.h.port);
    await c.negotiate();
    await c.sessionSetup(BOB.user, BOB.password);
    expect((await c.treeConnect("export")).status).toBe(0);
    const entry = smb.h.ctx.clients.list().find((x) => x.user === "bob");
    expect(entry?.disconnectable).toBe(true);
    const closed = c.closed();
    expect(smb.h.ctx.clients.disconnect(entry?.id ?? "")).toBe("ok");
    await closed;
    await vi.waitUntil(() => smb.h.ctx.clients.list().every((x) => x.id !== entry?.id));
    expect(smb.h.ctx.clients.disconnect(entry?.id ?? "")).toBe("gone");
  });

  it("refuses unknown and NFS-only shares with BAD_NETWORK_NAME; accepts IPC$", async () => {
    const c = await SmbTestClient.connect(smb.h.port);
    await c.negotiate();
    await c.sessionSetup(ALICE.user, ALICE.password);
    expect((await c.treeConnect("missing")).status).toBe(STATUS_BAD_NETWORK_NAME);
    expect((await c.treeConnect("nfsonly")).status).toBe(STATUS_BAD_NETWORK_NAME);
    const ipc = await c.treeConnect("IPC$");
    expect(ipc.status).toBe(0);
    expect(ipc.body[2]).toBe(0x02);
    c.close();
  });

  it("a read-only user gets ACCESS_DENIED for writes; a read-only share MEDIA_WRITE_PROTECTED", async () => {
    const bob = await SmbTestClient.login(smb.h.port, BOB.user, BOB.password);
    expect((await bob.send(C.SMB2_CREATE, createBody("b.txt", { disposition: C.FILE_CREATE }))).status).toBe(
      STATUS_ACCESS_DENIED,
    );
    // The share access is checked once the name resolved, as Samba does: unlinking a missing
    // name answers OBJECT_NAME_NOT_FOUND, an existing one ACCESS_DENIED.
    const unlink = (name: string) =>
      createBody(name, {
        access: C.DELETE,
        disposition: C.FILE_OPEN,
        options: C.FILE_DELETE_ON_CLOSE | C.FILE_NON_DIRECTORY_FILE,
      });
    expect((await bob.send(C.SMB2_CREATE, unlink("missing.txt"))).status).toBe(STATUS_OBJECT_NAME_NOT_FOUND);
    const alice = await SmbTestClient.login(smb.h.port, ALICE.user, ALICE.password);
    await open(alice, "kept.txt", { disposition: C.FILE_CREATE });
    alice.close();
    expect((await bob.send(C.SMB2_CREATE, unlink("kept.txt"))).status).toBe(STATUS_ACCESS_DENIED);
    bob.close();
    const frozen = await SmbTestClient.login(smb.h.port, ALICE.user, ALICE.password, "frozen");
    const r = await frozen.send(C.SMB2_CREATE, createBody("a.txt", { disposition: C.FILE_CREATE }));
    expect(r.status).toBe(STATUS_MEDIA_WRITE_PROTECTED);
    // Reading the root still works.
    await open(frozen, "", { access: C.FILE_READ_ATTRIBUTES | C.FILE_LIST_DIRECTORY });
    frozen.close();
  });

  it("a share stored with encryptData refuses a session that cannot encrypt and flags ENCRYPT_DATA", async () => {
    const plain = await SmbTestClient.connect(smb.h.port);
    await plain.negotiate([C.SMB2_DIALECT_210]);
    await plain.sessionSetup(ALICE.user, ALICE.password);
    expect((await plain.treeConnect("vault")).status).toBe(STATUS_ACCESS_DENIED);
    const export_ = await plain.treeConnect("export");
    expect(export_.body.readUInt32LE(4) & C.SMB2_SHAREFLAG_ENCRYPT_DATA).toBe(0);
    plain.close();
    const c = await SmbTestClient.connect(smb.h.port);
    await c.negotiate([C.SMB2_DIALECT_300], C.SMB2_NEGOTIATE_SIGNING_ENABLED, C.SMB2_GLOBAL_CAP_ENCRYPTION);
    await c.sessionSetup(ALICE.user, ALICE.password);
    c.encrypt(AES_128_CCM);
    const t = await c.treeConnect("vault");
    expect([t.status, t.sealed]).toEqual([0, true]);
    expect(t.body.readUInt32LE(4) & C.SMB2_SHAREFLAG_ENCRYPT_DATA).toBe(C.SMB2_SHAREFLAG_ENCRYPT_DATA);
    c.close();
  });

  it("after TREE_DISCONNECT the tree id is gone", async () => {
    const c = await SmbTestClient.login(smb.h.port, ALICE.user, ALICE.password);
    expect((await c.send(C.SMB2_TREE_DISCONNECT, Buffer.from([4, 0, 0, 0]))).status).toBe(0);
    expect((await c.send(C.SMB2_CREATE, createBody("x"))).status).toBe(STATUS_NETWORK_NAME_DELETED);
    c.close();
  });
});
