/**
 * NFS access control against the real daemon (createDaemon: SQLite control plane, the bootstrap's
 * /export), set through the tRPC API as the console and dfsctl set it, checked with libnfs
 * (`nfs-ls` / `nfs-cp` with AUTH_SYS `uid=`) and with hand-made calls on real sockets: share
 * grants apply to every NFS call, handles of a share one may not use give ACCES without
 * attributes, MOUNT EXPORT lists only mountable shares, client lists and the anonymous policy.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../apps/daemon/src/cli/dfsctl/client.ts";
import type { Daemon } from "../../apps/daemon/src/daemon.ts";
import { encodeHandle, shareKey } from "../../apps/daemon/src/metadata/handle.ts";
import { MNT3ERR_ACCES, MOUNTPROC3_EXPORT } from "../../apps/daemon/src/protocols/nfs/mount/constants.ts";
import { MOUNT_PROGRAM } from "../../apps/daemon/src/protocols/nfs/rpc/constants.ts";
import { NfsClient, ok } from "../../apps/daemon/src/protocols/nfs/testing/nfs-client.ts";
import { NFS3_OK, NFS3ERR_ACCES, NFS3ERR_ROFS } from "../../apps/daemon/src/protocols/nfs/v3/constants.ts";
import { daemonHarness, TEST_ADMIN_PASSWORD } from "../../apps/daemon/src/runtime/testing/daemon-harness.ts";

const PASSWORD = "user-password-1";
const ALICE = 2001; // read-write grant
const CAROL = 2003; // none
const READER = 1000; // the bootstrap admin's uid, given a read grant: the probe's "AUTH_SYS uid 1000"

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

describe("NFS access control (grants, client lists, anonymous policy) on the real daemon", () => {
  const h = daemonHarness();
  let daemon: Daemon;
  let api: ApiClient;
  let dir: string;
  let port: number;
  const url = (path: string, uid: number) =>
    `nfs://127.0.0.1/export${path}?version=3&nfsport=${port}&mountport=${port}&uid=${uid}&gid=${uid}`;
  const nfs = async (uid: number) => (await NfsClient.connect(port)).as(uid, uid);
  const local = (name: string, content: string) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "nfs-access-"));
    daemon = await h.start();
    port = daemon.runtime.adapterStatus("nfs").port;
    const { token } = await apiClient(daemon.httpUrl, null).auth.login.mutate({
      username: "admin",
      password: TEST_ADMIN_PASSWORD,
    });
    api = apiClient(daemon.httpUrl, token);
    for (const [username, uid, level] of [
      ["alice", ALICE, "read-write"],
      ["carol", CAROL, "none"],
    ] as const) {
      await api.users.create.mutate({ username, password: PASSWORD, uid, gid: uid, role: "user" });
      await api.shares.permissions.set.mutate({ name: "/export", user: username, level });
    }
    expect((await api.users.get.query({ username: "admin" })).uid).toBe(READER);
    await api.shares.permissions.set.mutate({ name: "/export", user: "admin", level: "read" });
  });

  afterAll(async () => {
    await h.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("a read-write user writes; a read user reads but cannot create or overwrite, even a 0666 file", async () => {
    const put = await run("nfs-cp", [local("a.txt", "alice's data\n"), url("/alice.txt", ALICE)]);
    expect(put.code, put.out).toBe(0);
    const alice = await nfs(ALICE);
    const root = daemon.runtime.context.metadata.rootHandle("/export");
    const fh = ok(await alice.lookup(root, "alice.txt")).fh;
    expect((await alice.setattr(fh, { mode: 0o666 })).status).toBe(NFS3_OK);
    alice.close();

    const ls = await run("nfs-ls", [url("/", READER)]);
    expect(ls.code, ls.out).toBe(0);
    expect(ls.out).toMatch(/alice\.txt/);
    const back = join(dir, "back.txt");
    expect((await run("nfs-cp", [url("/alice.txt", READER), back])).code).toBe(0);
    expect(readFileSync(back, "utf8")).toBe("alice's data\n");
    expect((await run("nfs-cp", [local("r.txt", "reader\n"), url("/reader.txt", READER)])).code).not.toBe(0);

    const reader = await nfs(READER);
    expect((await reader.write(fh, 0, Buffer.from("overwritten by uid 1000"))).status).toBe(NFS3ERR_ACCES);
    expect((await reader.create(root, "x", "unchecked", { mode: 0o644 })).status).toBe(NFS3ERR_ACCES);
    expect((await reader.setattr(fh, { size: 0 })).status).toBe(NFS3ERR_ACCES);
    // ACCESS tells the client the truth: read, but no modify/extend although mode 0666 allows them.
    expect(ok(await reader.access(fh, 0x3f)).access).toBe(0x01);
    reader.close();
    expect((await run("nfs-cat", [url("/alice.txt", ALICE)])).out).toBe("alice's data\n");
  });

  it("a user whose grant is none cannot mount, and a forged root handle gets ACCES without attributes", async () => {
    const ls = await run("nfs-ls", [url("/", CAROL)]);
    expect(ls.code).not.toBe(0);
    const carol = await nfs(CAROL);
    expect((await carol.mount("/export")).status).toBe(MNT3ERR_ACCES);
    // Built offline from the share name (epoch of a fresh SQLite store and fileid of the root).
    const real = daemon.runtime.context.metadata.rootHandle("/export");
    const forged = encodeHandle(shareKey("/export"), real.readUInt32BE(9), real.readBigUInt64BE(13));
    expect(forged.equals(real)).toBe(true);
    const got = await carol.getattr(forged);
    expect(got.status).toBe(NFS3ERR_ACCES);
    expect((await carol.readdir(forged)).status).toBe(NFS3ERR_ACCES);
    expect((await carol.lookup(forged, "alice.txt")).status).toBe(NFS3ERR_ACCES);
    expect((await carol.create(forged, "carol.txt", "unchecked", { mode: 0o644 })).status).toBe(
      NFS3ERR_ACCES,
    );
    const fh = ok(await (await nfs(ALICE)).lookup(real, "alice.txt")).fh;
    const read = await carol.read(fh, 0, 100);
    expect(read.status).toBe(NFS3ERR_ACCES);
    // read3resfail: post_op_attr absent, nothing else.
    expect("fail" in read && read.fail.bool()).toBe(false);
    expect((await carol.write(fh, 0, Buffer.from("x"))).status).toBe(NFS3ERR_ACCES);
    carol.close();
  });

  it("MOUNT EXPORT lists /export to a user who may mount it and hides it from one who may not", async () => {
    const exports = async (uid: number) => {
      const c = await nfs(uid);
      const r = await c.rpc.call(MOUNT_PROGRAM, 3, MOUNTPROC3_EXPORT, () => {}, c.auth);
      const names: string[] = [];
      while (r.bool()) {
        names.push(r.string(1024));
        while (r.bool()) r.string(1024);
      }
      c.close();
      return names;
    };
    expect(await exports(ALICE)).toEqual(["/export"]);
    expect(await exports(CAROL)).toEqual([]);
  });

  it("client lists: a host no entry admits is refused; a read-only entry refuses writes with ROFS", async () => {
    try {
      await api.shares.update.mutate({
        name: "/export",
        nfsClients: [{ host: "10.9.0.0/16", access: "read-write" }],
      });
      expect((await run("nfs-ls", [url("/", ALICE)])).code).not.toBe(0);

      await api.shares.update.mutate({
        name: "/export",
        nfsClients: [
          { host: "127.0.0.1", access: "read" },
          { host: "*", access: "read-write" },
        ],
      });
      const ls = await run("nfs-ls", [url("/", ALICE)]);
      expect(ls.code, ls.out).toBe(0);
      expect((await run("nfs-cp", [local("b.txt", "b\n"), url("/b.txt", ALICE)])).code).not.toBe(0);
      const alice = await nfs(ALICE);
      const root = daemon.runtime.context.metadata.rootHandle("/export");
      expect((await alice.create(root, "b.txt", "unchecked", { mode: 0o644 })).status).toBe(NFS3ERR_ROFS);
      alice.close();
    } finally {
      await api.shares.update.mutate({ name: "/export", nfsClients: [{ host: "*", access: "read-write" }] });
    }
  });

  it("uids that name no user follow the share's anonymous policy", async () => {
    const stranger = 4242;
    expect((await run("nfs-ls", [url("/", stranger)])).code).toBe(0);
    try {
      await api.shares.update.mutate({ name: "/export", anonymousAccess: "none" });
      expect((await run("nfs-ls", [url("/", stranger)])).code).not.toBe(0);
      expect((await run("nfs-ls", [url("/", ALICE)])).code).toBe(0);
      await api.shares.update.mutate({ name: "/export", anonymousAccess: "read" });
      expect((await run("nfs-ls", [url("/", stranger)])).code).toBe(0);
      const c = await nfs(stranger);
      const root = daemon.runtime.context.metadata.rootHandle("/export");
      expect((await c.mkdir(root, "anon-dir", { mode: 0o777 })).status).toBe(NFS3ERR_ACCES);
      c.close();
    } finally {
      await api.shares.update.mutate({ name: "/export", anonymousAccess: "read-write" });
    }
  });
});
