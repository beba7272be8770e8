/** The guest cache's build lock: one builder at a time, stale locks taken over. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { buildOnce } from "../clients/cache-lock.ts";
import { parseModulesDep, selectModules } from "../clients/kernel-modules.ts";

describe("buildOnce", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function scratch(): string {
    const d = mkdtempSync(join(tmpdir(), "dittofs-lock-"));
    dirs.push(d);
    return d;
  }

  it("builds once when several callers race, and releases the lock", async () => {
    const d = scratch();
    const done = join(d, "done");
    let builds = 0;
    let inside = 0;
    const build = async () => {
      inside++;
      expect(inside).toBe(1);
      builds++;
      await sleep(300);
      writeFileSync(done, "x");
      inside--;
    };
    await Promise.all([1, 2, 3].map(() => buildOnce(join(d, "lock"), () => existsSync(done), build)));
    expect(builds).toBe(1);
    expect(existsSync(join(d, "lock"))).toBe(false);
  });

  it("takes over a lock left by a dead process", async () => {
    const d = scratch();
    const dead = spawnSync("true").pid as number;
    writeFileSync(join(d, "lock"), String(dead));
    let built = false;
    await buildOnce(
      join(d, "lock"),
      () => built,
      async () => {
        built = true;
      },
    );
    expect(built).toBe(true);
  });

  it("releases the lock when the build throws", async () => {
    const d = scratch();
    await expect(
      buildOnce(
        join(d, "lock"),
        () => false,
        async () => {
          throw new Error("boom");
        },
      ),
    ).rejects.toThrow("boom");
    expect(existsSync(join(d, "lock"))).toBe(false);
  });
});

describe("selectModules", () => {
  const dep = [
    "kernel/fs/nfs/nfs.ko: kernel/net/sunrpc/sunrpc.ko kernel/fs/netfs/netfs.ko",
    "kernel/fs/nfs/nfsv3.ko: kernel/fs/nfs/nfs.ko kernel/net/sunrpc/sunrpc.ko",
    "kernel/fs/nfs/nfsv4.ko: kernel/fs/nfs/nfs.ko",
    "kernel/net/sunrpc/sunrpc.ko:",
    "kernel/fs/lockd/lockd.ko: kernel/net/sunrpc/sunrpc.ko",
    "kernel/fs/netfs/netfs.ko:",
    "kernel/fs/smb/client/cifs.ko: kernel/fs/smb/common/cifs_md4.ko",
    "kernel/fs/smb/common/cifs_md4.ko:",
    "kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio.ko",
    "kernel/drivers/virtio/virtio.ko:",
    "kernel/drivers/net/virtio_net.ko: kernel/net/core/failover.ko",
    "kernel/net/core/failover.ko:",
    "kernel/drivers/firmware/qemu_fw_cfg.ko:",
    "kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko",
    "kernel/net/9p/9pnet.ko:",
    "kernel/net/9p/9pnet_virtio.ko: kernel/net/9p/9pnet.ko",
    "kernel/fs/nls/nls_utf8.ko:",
    "kernel/crypto/gcm.ko: kernel/crypto/ghash-generic.ko",
    "kernel/crypto/ghash-generic.ko:",
    "kernel/drivers/gpu/drm/drm.ko:",
    "kernel/sound/core/snd.ko:",
  ].join("\n");

  it("takes the roots, all crypto and their dependencies, nothing else", () => {
    const chosen = selectModules(parseModulesDep(dep));
    expect(chosen).toContain("kernel/fs/netfs/netfs.ko");
    expect(chosen).toContain("kernel/fs/smb/common/cifs_md4.ko");
    expect(chosen).toContain("kernel/crypto/ghash-generic.ko");
    expect(chosen).toContain("kernel/net/core/failover.ko");
    expect(chosen).not.toContain("kernel/drivers/gpu/drm/drm.ko");
    expect(chosen).not.toContain("kernel/sound/core/snd.ko");
    expect(chosen).toHaveLength(19);
  });

  it("fails loudly when a root module is missing", () => {
    const withoutCifs = dep
      .split("\n")
      .filter((l) => !l.startsWith("kernel/fs/smb/client/cifs.ko"))
      .join("\n");
    expect(() => selectModules(parseModulesDep(withoutCifs))).toThrow(/cifs not found/);
  });
});
