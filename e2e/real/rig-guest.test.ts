/**
 * runInGuest itself: output and exit status come back, the 9p share works both ways, the guest
 * reaches the host's 127.0.0.1 as 10.0.2.2 and nothing else, a failed mount gives the mount
 * helpers' status, and a guest past its timeout is killed (also in a session). The NFS/CIFS mounts are proven in rig.test.ts.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { guestImage, runInGuest } from "../clients/guest.ts";
import { startGuest } from "../clients/guest-session.ts";
import { cifsMountCommand, MOUNT_FAILED_STATUS, mountedScript } from "../clients/mount.ts";
import { freePort } from "../peers/ports.ts";

function qemuChildren(): string[] {
  const r = spawnSync("ps", ["--ppid", String(process.pid), "-o", "comm="], { encoding: "utf8" });
  return r.stdout.split("\n").filter((c) => c.startsWith("qemu"));
}

describe("runInGuest", () => {
  let share: string;
  let server: Server;
  let port = 0;
  const token = randomBytes(8).toString("hex");

  beforeAll(async () => {
    await guestImage();
    share = mkdtempSync(join(tmpdir(), "dittofs-rig-guest-"));
    chmodSync(share, 0o777);
    writeFileSync(join(share, "from-host.txt"), `host ${token}\n`);
    server = createServer((s) => s.end(`tcp ${token}\n`));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const addr = server.address();
    if (addr === null || typeof addr === "string") throw new Error("no port");
    port = addr.port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    if (share !== undefined) rmSync(share, { recursive: true, force: true });
  });

  it("runs the script and returns its output, stderr and exit status; share, host TCP, isolation", async () => {
    const image = await guestImage();
    const closed = await freePort(); // nothing listens there: the mount must fail
    const failing = mountedScript(
      cifsMountCommand({ port: closed, share: "s", username: "u", password: "p" }, "/mnt/c"),
      "/mnt/c",
      "echo must-not-run",
    );
    const r = await runInGuest(
      `echo "kernel $(uname -r)"
grep -o "dittofs.probe=[0-9a-f]*" /proc/cmdline
echo "to stderr" >&2
cat /share/from-host.txt
echo "guest ${token}" > /share/from-guest.txt
nc -w 5 10.0.2.2 ${port} </dev/null
echo "routes: $(ip route | grep -c default)"
echo "dns: $(nc -w 2 10.0.3.3 53 </dev/null 2>&1)"
echo "outside: $(nc -w 2 1.1.1.1 80 </dev/null 2>&1)"
cat > /tmp/failing.sh <<'RIG_EOF'
${failing}
RIG_EOF
sh /tmp/failing.sh
echo "mount-failed-status $?"
exit 7`,
      { shareDir: share, timeoutMs: 120_000, kernelArgs: [`dittofs.probe=${token}`] },
    );
    expect(r.exitCode, r.output).toBe(7);
    expect(r.bootMs).toBeGreaterThan(0);
    const lines = r.output.split("\n");
    expect(lines).toContain(`kernel ${image.kernelRelease}`);
    expect(lines).toContain("to stderr");
    expect(lines).toContain(`dittofs.probe=${token}`);
    expect(lines).toContain(`host ${token}`);
    expect(lines).toContain(`tcp ${token}`);
    expect(lines).toContain("routes: 0");
    // No route at all (not a refused or timed-out connection): the guest reaches only 10.0.2.0/24.
    expect(r.output).toMatch(/^dns: .*Network is unreachable/m);
    expect(r.output).toMatch(/^outside: .*Network is unreachable/m);
    expect(lines).toContain(`mount-failed-status ${MOUNT_FAILED_STATUS}`);
    expect(lines).not.toContain("must-not-run");
    expect(r.output).not.toMatch(/@@DITTOFS/);
    expect(readFileSync(join(share, "from-guest.txt"), "utf8")).toBe(`guest ${token}\n`);
  });

  it("kills qemu when the guest runs past its timeout", async () => {
    const started = Date.now();
    await expect(runInGuest("sleep 600", { timeoutMs: 1500 })).rejects.toThrow(/timed out after 1500 ms/);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(qemuChildren()).toEqual([]);
  });

  it("a session run past its timeout kills the guest; later runs reject; stop still resolves", async () => {
    const g = await startGuest();
    expect((await g.run("echo up")).output).toBe("up\n");
    await expect(g.run("sleep 600", { timeoutMs: 2000 })).rejects.toThrow(/timed out after 2000 ms/);
    await expect(g.run("echo again")).rejects.toThrow(/timed out/);
    await g.stop();
    expect(qemuChildren()).toEqual([]);
  });
});
