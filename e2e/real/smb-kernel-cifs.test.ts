/**
 * The Linux kernel CIFS client (qemu guest, e2e/clients) against the DittoFS SMB adapter:
 * vers=3.0, vers=2.1 and vers=3.1.1,seal (SMB 3.x encryption) mounts, 64 MiB write/read/compare,
 * a tree created and renamed. Then
 * cross-protocol: the NFS adapter serves the same services, a file written over NFS (libnfs)
 * reads identically over SMB (smbclient) and vice versa, and an NFS read of a file an SMB
 * client write-caches (RWH lease) waits for the lease break's acknowledgment.
 */
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProtocolAdapter } from "../../apps/daemon/src/protocols/adapter.ts";
import { createNfsAdapter } from "../../apps/daemon/src/protocols/nfs/adapter.ts";
import * as C from "../../apps/daemon/src/protocols/smb/constants.ts";
import {
  closeBody,
  createBody,
  fileIdOf,
  leaseAckBody,
  leaseContext,
  leaseOf,
  writeBody,
} from "../../apps/daemon/src/protocols/smb/testing/bodies.ts";
import {
  ALICE,
  type SmbHarness,
  startSmbHarness,
} from "../../apps/daemon/src/protocols/smb/testing/harness.ts";
import { SmbTestClient } from "../../apps/daemon/src/protocols/smb/testing/smb-client.ts";
import { withKernelCifs } from "../clients/mount.ts";
import { rigBodyCommands } from "../clients/rig-body.ts";

const run = promisify(execFile);

/** A tree made, renamed and checked inside the mount, after the 64 MiB round trip. */
const TREE_COMMANDS = `mkdir -p tree/a/b tree/c
for i in 1 2 3 4 5; do echo "file $i" > tree/a/b/f$i.txt; done
echo top > tree/c/top.txt
mv tree renamed-tree
mv renamed-tree/a/b/f1.txt renamed-tree/c/moved.txt
rig_remount
[ "$(cat renamed-tree/c/moved.txt)" = "file 1" ]
[ "$(ls renamed-tree/a/b | wc -l)" = 4 ]
[ ! -e tree ]
rm -r renamed-tree
echo TREE_OK`;

describe("kernel CIFS client against DittoFS SMB", () => {
  let h: SmbHarness;

  beforeAll(async () => {
    h = await startSmbHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  /**
   * The default cache mode (strict): the client caches only under the lease (v3.0) or oplock
   * it is granted, so this also exercises CREATE's lease grant and the client's close/reopen.
   */
  it.each([
    ["3.0", ""],
    ["2.1", ""],
    ["3.1.1", "seal"],
  ])("vers=%s %s: 64 MiB round trip and a renamed tree", async (vers, options) => {
    const bytes = 64 * 1024 * 1024;
    const data = randomBytes(bytes);
    const shareDir = mkdtempSync(join(tmpdir(), "smb-cifs-data-"));
    chmodSync(shareDir, 0o755);
    writeFileSync(join(shareDir, "data"), data);
    try {
      const md5sum = createHash("md5").update(data).digest("hex");
      const body = `${rigBodyCommands(`cifs-${randomBytes(6).toString("hex")}`, bytes, md5sum)}\n${TREE_COMMANDS}`;
      const target = {
        port: h.port,
        share: "export",
        vers,
        username: ALICE.user,
        password: ALICE.password,
        options: options || undefined,
      };
      const r = await withKernelCifs(target, body, { shareDir, timeoutMs: 240_000 });
      expect(r.exitCode, `${r.output}\n${r.console.slice(-2000)}`).toBe(0);
      console.log(
        `kernel CIFS vers=${vers} ${options} → DittoFS: boot ${r.bootMs} ms; ${/RIG .*/.exec(r.output)?.[0] ?? ""}`,
      );
      expect(r.output).toContain("TREE_OK");
    } finally {
      rmSync(shareDir, { recursive: true, force: true });
    }
    const root = h.metadata.rootHandle("/export");
    const left = await h.metadata.readdir({ uid: 0, gid: 0, gids: [] }, root, 0n, null, 100);
    expect(left.entries.map((e) => e.name).filter((n) => n !== "." && n !== "..")).toEqual([]);
  });
});

describe("NFS ↔ SMB on the same share", () => {
  let h: SmbHarness;
  let nfs: ProtocolAdapter;
  let dir: string;

  beforeAll(async () => {
    h = await startSmbHarness();
    nfs = createNfsAdapter({ host: "127.0.0.1", port: 0 }, h.ctx);
    await nfs.serve();
    dir = mkdtempSync(join(tmpdir(), "smb-nfs-"));
  });
  afterAll(async () => {
    await nfs?.stop();
    await h?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const nfsUrl = (name: string) =>
    `nfs://127.0.0.1/export/${name}?version=3&nfsport=${nfs.port}&mountport=${nfs.port}&uid=${ALICE.uid}&gid=${ALICE.gid}`;
  const smb = (cmds: string) =>
    run(
      "smbclient",
      ["//127.0.0.1/export", "-p", String(h.port), "-U", `${ALICE.user}%${ALICE.password}`, "-c", cmds],
      {
        cwd: dir,
        timeout: 60_000,
      },
    );
  const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");

  it("a file written over NFS reads identically over SMB", async () => {
    const data = randomBytes(5 * 1024 * 1024 + 123);
    writeFileSync(join(dir, "from-nfs.bin"), data);
    await run("nfs-cp", [join(dir, "from-nfs.bin"), nfsUrl("from-nfs.bin")], { timeout: 60_000 });
    await smb("get from-nfs.bin via-smb.bin");
    expect(md5(readFileSync(join(dir, "via-smb.bin")))).toBe(md5(data));
  });

  it("an NFS client's read of a file an SMB client write-caches breaks the lease to RH first", async () => {
    const c = await SmbTestClient.login(h.port, ALICE.user, ALICE.password, "export", [C.SMB2_DIALECT_300]);
    try {
      const key = randomBytes(16);
      const r = await c.send(
        C.SMB2_CREATE,
        createBody("leased.bin", { oplock: 0xff, contexts: leaseContext(key, 7, true) }),
      );
      expect(leaseOf(r)?.state).toBe(7); // RWH
      const data = randomBytes(256 * 1024);
      expect((await c.send(C.SMB2_WRITE, writeBody(fileIdOf(r), 0n, data))).status).toBe(0);
      let copied = false;
      const cp = run("nfs-cp", [nfsUrl("leased.bin"), join(dir, "leased-nfs.bin")], { timeout: 60_000 }).then(
        () => {
          copied = true;
        },
      );
      // The reader needs the writer's cached data flushed: W goes, R and H stay.
      const brk = await c.nextBreak(20_000);
      expect([brk.body.readUInt32LE(24), brk.body.readUInt32LE(28)]).toEqual([7, 3]);
      await new Promise((res) => setTimeout(res, 300));
      expect(copied).toBe(false);
      expect((await c.send(C.SMB2_OPLOCK_BREAK, leaseAckBody(key, 3))).status).toBe(0);
      await cp;
      expect(md5(readFileSync(join(dir, "leased-nfs.bin")))).toBe(md5(data));
      await c.send(C.SMB2_CLOSE, closeBody(fileIdOf(r)));
    } finally {
      c.close();
    }
  });

  it("a file written over SMB reads identically over NFS, with the same size and file id", async () => {
    const data = randomBytes(3 * 1024 * 1024 + 77);
    writeFileSync(join(dir, "from-smb.bin"), data);
    await smb("put from-smb.bin from-smb.bin");
    await run("nfs-cp", [nfsUrl("from-smb.bin"), join(dir, "via-nfs.bin")], { timeout: 60_000 });
    expect(md5(readFileSync(join(dir, "via-nfs.bin")))).toBe(md5(data));
    const { stdout } = await smb("allinfo from-smb.bin");
    const attr = (
      await h.metadata.lookup({ uid: 0, gid: 0, gids: [] }, h.metadata.rootHandle("/export"), "from-smb.bin")
    ).attr;
    expect(attr.size).toBe(data.length);
    expect(stdout).toMatch(/attributes: A/);
  });
});
