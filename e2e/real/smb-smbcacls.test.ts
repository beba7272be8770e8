/**
 * smbcacls (Debian Samba 4.17) against the DittoFS SMB adapter: the security descriptor of a file
 * shows its POSIX owner, group and mode as S-1-22-1-<uid>, S-1-22-2-<gid> and three allow ACEs
 * (owner, group, Everyone); setting a DACL of that shape changes the mode; one a mode cannot
 * express (another SID, a deny ACE) is stored, read back and enforced, with the mode its closest
 * POSIX approximation (files/security.ts).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ALICE,
  BOB,
  type SmbHarness,
  startSmbHarness,
} from "../../apps/daemon/src/protocols/smb/testing/harness.ts";
import { smbclient } from "./smb-helpers.ts";

/**
 * smbcacls 4.17 always dials port 445 (it has no port option), so it runs in a network namespace
 * of its own (`unshare -n`) where a forwarder on that namespace's 127.0.0.1:445 reaches DittoFS
 * through a unix socket (the filesystem is shared), and `bridge` below carries it to DittoFS's port.
 */
const NAMESPACE_SCRIPT = `
ip link set lo up
"$NODE" -e '
  const net = require("node:net");
  net.createServer((s) => {
    const u = net.connect(process.argv[1]);
    s.pipe(u).pipe(s);
    u.on("error", () => s.destroy());
    s.on("error", () => u.destroy());
  }).listen(445, "127.0.0.1");
' "$SOCK" &
fwd=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/445) 2>/dev/null && break; sleep 0.1; done
smbcacls "$@"
rc=$?
kill $fwd
exit $rc
`;

/** A unix socket whose connections are piped to 127.0.0.1:`port`. */
async function bridge(path: string, port: number): Promise<Server> {
  const server = createServer((s) => {
    const t = connect(port, "127.0.0.1");
    s.pipe(t).pipe(s);
    t.on("error", () => s.destroy());
    s.on("error", () => t.destroy());
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return server;
}

function smbcacls(sock: string, file: string, args: string[]): Promise<{ code: number; out: string }> {
  const argv = ["-n", "bash", "-c", NAMESPACE_SCRIPT, "smbcacls", "//127.0.0.1/export", file];
  argv.push("-U", `${ALICE.user}%${ALICE.password}`, "--numeric", ...args);
  const env = { ...process.env, NODE: process.execPath, SOCK: sock };
  return new Promise((resolve) => {
    execFile("unshare", argv, { timeout: 60_000, env }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

describe("smbcacls against DittoFS SMB", () => {
  let h: SmbHarness;
  let dir: string;
  let sock: string;
  let forward: Server;
  const mode = async (name = "f.txt") => {
    const root = h.metadata.rootHandle("/export");
    return (await h.metadata.lookup({ uid: 0, gid: 0, gids: [] }, root, name)).attr.mode & 0o7777;
  };

  beforeAll(async () => {
    h = await startSmbHarness();
    dir = mkdtempSync(join(tmpdir(), "smbcacls-"));
    sock = join(dir, "smb.sock");
    forward = await bridge(sock, h.port);
    writeFileSync(join(dir, "f.txt"), "acl\n");
    const put = await smbclient(
      { port: h.port, user: ALICE.user, password: ALICE.password },
      "put f.txt",
      dir,
    );
    expect(put.code, put.out).toBe(0);
  });
  afterAll(async () => {
    forward?.close();
    await h?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("gets owner, group and a DACL from the POSIX owner/group/mode", async () => {
    const root = h.metadata.rootHandle("/export");
    const f = await h.metadata.lookup({ uid: 0, gid: 0, gids: [] }, root, "f.txt");
    await h.metadata.setattr({ uid: 0, gid: 0, gids: [] }, f.handle, { mode: 0o640 });
    const r = await smbcacls(sock, "f.txt", []);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`OWNER:S-1-22-1-${ALICE.uid}`);
    expect(r.out).toContain(`GROUP:S-1-22-2-${ALICE.gid}`);
    const acl = r.out.split("\n").filter((l) => l.startsWith("ACL:"));
    expect(acl).toHaveLength(3);
    // --numeric: ACL:<sid>:<type 0 = allowed>/<flags>/<mask>; mode 0640 → rw-, r--, ---.
    expect(acl).toEqual([
      `ACL:S-1-22-1-${ALICE.uid}:0/0x0/0x001f019f`,
      `ACL:S-1-22-2-${ALICE.gid}:0/0x0/0x00120089`,
      "ACL:S-1-1-0:0/0x0/0x00120080",
    ]);
  });

  it("sets the mode from a DACL of owner, group and Everyone", async () => {
    const set = await smbcacls(sock, "f.txt", [
      "-S",
      `ACL:S-1-22-1-${ALICE.uid}:ALLOWED/0/FULL,ACL:S-1-22-2-${ALICE.gid}:ALLOWED/0/READ,ACL:S-1-1-0:ALLOWED/0/R`,
    ]);
    expect(set.code, set.out).toBe(0);
    expect(await mode()).toBe(0o754);
    const back = await smbcacls(sock, "f.txt", []);
    expect(back.out).toMatch(/^ACL:S-1-1-0:0\/0x0\/0x00120089$/m);
  });

  it("stores a deny ACE and another SID, reads them back and enforces the deny", async () => {
    const get = () =>
      smbclient({ port: h.port, user: ALICE.user, password: ALICE.password }, "get f.txt f.back", dir);
    expect((await get()).code).toBe(0);
    const system = await smbcacls(sock, "f.txt", ["-a", "ACL:S-1-5-18:ALLOWED/0/FULL"]);
    expect(system.code, system.out).toBe(0);
    const deny = await smbcacls(sock, "f.txt", ["-a", `ACL:S-1-22-1-${ALICE.uid}:DENIED/0/R`]);
    expect(deny.code, deny.out).toBe(0);
    const back = await smbcacls(sock, "f.txt", []);
    const acl = back.out.split("\n").filter((l) => l.startsWith("ACL:"));
    // smbcacls puts a deny ACE first (canonical order); R is FILE_READ_DATA|FILE_READ_EA... (0x00120089).
    expect(acl[0]).toBe(`ACL:S-1-22-1-${ALICE.uid}:1/0x0/0x00120089`);
    expect(acl).toContain("ACL:S-1-5-18:0/0x0/0x001f01ff");
    // The owner may no longer read the file; the mode shows the closest POSIX bits (no owner r).
    const denied = await get();
    expect(denied.code).not.toBe(0);
    expect(denied.out).toContain("NT_STATUS_ACCESS_DENIED");
    expect((await mode()) & 0o400).toBe(0);
  });

  it("stores an ACE for one user no mode expresses; the mode never grants NFS more than it", async () => {
    writeFileSync(join(dir, "g.txt"), "per-user\n");
    const as = (u: { user: string; password: string }, cmd: string) =>
      smbclient({ port: h.port, user: u.user, password: u.password }, cmd, dir);
    expect((await as(ALICE, "put g.txt")).code).toBe(0);
    // Everyone may read but Bob: no owner/group/other triplet says that.
    const set = await smbcacls(sock, "g.txt", [
      "-S",
      `ACL:S-1-22-1-${ALICE.uid}:ALLOWED/0/FULL,ACL:S-1-22-1-${BOB.uid}:DENIED/0/R,ACL:S-1-1-0:ALLOWED/0/R`,
    ]);
    expect(set.code, set.out).toBe(0);
    const back = await smbcacls(sock, "g.txt", []);
    const acl = back.out.split("\n").filter((l) => l.startsWith("ACL:"));
    // smbcacls sorts a DACL it sets into canonical order: denies first, then allows by SID.
    expect(acl).toEqual([
      `ACL:S-1-22-1-${BOB.uid}:1/0x0/0x00120089`,
      "ACL:S-1-1-0:0/0x0/0x00120089",
      `ACL:S-1-22-1-${ALICE.uid}:0/0x0/0x001f01ff`,
    ]);
    expect((await as(ALICE, "get g.txt g.alice")).code).toBe(0);
    const bob = await as(BOB, "get g.txt g.bob");
    expect(bob.out).toContain("NT_STATUS_ACCESS_DENIED");
    // Bob may be in the group or other class over NFS: neither may read (files/nt-acl/mode.ts).
    expect(await mode("g.txt")).toBe(0o700);
  });
});
