/**
 * A SIGKILLed and restarted server while the Linux kernel client (qemu guest of e2e/clients)
 * holds an open file and a lock over NFSv4.1 (issue 14 "Restart", RFC 8881 §8.4.2). The real
 * daemon runs as its own process (nfs-v4-daemon.ts: SQLite control store and metadata, fs blocks,
 * WAL). In the guest, guest-reclaim.c opens a file, takes an fcntl write lock on all of it, writes
 * and fsyncs 4 MiB, then waits; the host SIGKILLs the daemon and starts it again on the same data
 * directory and port. Its grace period comes from the client record persisted at CREATE_SESSION;
 * the client reclaims its open and lock in it and writes and fsyncs 4 MiB more through the same
 * descriptor. While it still holds the lock, a contender through a second (nosharecache) mount is
 * refused — only the reclaimed lock on the server can refuse it there —, and granted after the
 * holder unlocks. After a remount the file is the two parts, byte for byte. The guest and the
 * host take turns through marker files in the 9p share: no sleep stands in for ordering.
 */
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GuestSession, startGuest } from "../clients/guest-session.ts";
import {
  type DaemonProcess as Daemon,
  killDaemonProcess as kill,
  startDaemonProcess,
} from "./daemon-process.ts";
import { marker } from "./guest-turns.ts";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const DAEMON = fileURLToPath(new URL("./nfs-v4-daemon.ts", import.meta.url));
const PART_BYTES = 4 * 1024 * 1024;
/**
 * The lease, and so the grace period after the restart (state/locking.ts). It ends early once the
 * client sent RECLAIM_COMPLETE; it only has to outlast a slow guest's recovery.
 */
const LEASE_SECONDS = 30;
const startDaemon = (dataDir: string, mode: "fresh" | "again") =>
  startDaemonProcess(DAEMON, [dataDir, mode, String(LEASE_SECONDS)]);

/** Busybox sh: `try NAME MODE FILE START LEN` prints "NAME:got" or "NAME:denied" (guest-lock.c). */
function guestScript(port: number): string {
  const mount = (dir: string, extra = "") =>
    `mount -t nfs -o vers=4.1,port=${port}${extra} 10.0.2.2:/export ${dir} || exit 90`;
  return `exec 2>>/share/progress
try() { n=$1; shift; r=$(/share/guest-lock posix "$@") || { echo "$n:error $r"; exit 92; }; echo "$n:$r"; }
mkdir -p /mnt/v4 /mnt/v4b
${mount("/mnt/v4")}
${mount("/mnt/v4b", ",nosharecache")}
/share/guest-reclaim /mnt/v4/held.bin /share/part1 /share/part2 /share/held /share/restarted /tmp/written /tmp/release > /tmp/holder.out &
holder=$!
while [ ! -e /tmp/written ]; do kill -0 $holder 2>/dev/null || break; sleep 0.1; done
try R x /mnt/v4b/held.bin 0 0
try R-range s /mnt/v4b/held.bin 4096 10
touch /tmp/release
wait $holder
rc=$?
echo "holder:$(cat /tmp/holder.out) exit $rc"
try S x /mnt/v4b/held.bin 0 0
cd /
umount /mnt/v4 /mnt/v4b
${mount("/mnt/v4")}
sum=$(md5sum /mnt/v4/held.bin)
echo "md5:\${sum%% *}"
umount /mnt/v4
`;
}

describe("kernel NFSv4.1 client: open file and lock reclaimed after a SIGKILL and restart", () => {
  let dir: string;
  let shareDir: string;
  let daemon: Daemon | undefined;
  let guest: GuestSession | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "dittofs-v4-restart-"));
    shareDir = mkdtempSync(join(tmpdir(), "dittofs-v4-restart-share-"));
    const compiled = Promise.all(
      ["guest-lock", "guest-reclaim"].map((n) =>
        run("gcc", ["-static", "-O2", "-o", join(shareDir, n), join(here, `${n}.c`)]),
      ),
    );
    daemon = await startDaemon(dir, "fresh");
    guest = await startGuest({ shareDir });
    await compiled;
  });

  afterAll(async () => {
    await guest?.stop();
    if (daemon !== undefined) await kill(daemon, "SIGKILL");
    for (const d of [dir, shareDir]) if (d !== undefined) rmSync(d, { recursive: true, force: true });
  });

  it("reclaims within the grace period, keeps writing through the same fd, keeps the lock and the data", async () => {
    const parts = [randomBytes(PART_BYTES), randomBytes(PART_BYTES)];
    for (const [i, p] of parts.entries()) writeFileSync(join(shareDir, `part${i + 1}`), p);
    const md5 = createHash("md5").update(Buffer.concat(parts)).digest("hex");
    const port = daemon!.port;
    let ended: string | null = null;
    const running = guest!.run(guestScript(port), { timeoutMs: 400_000 });
    running.then(
      (r) => {
        ended = `exit ${r.exitCode}\n${r.output}`;
      },
      (e: unknown) => {
        ended = String(e);
      },
    );
    let restarted: Daemon;
    try {
      // The guest holds the open and the lock, and part 1 is COMMITted: kill and start again.
      await marker(shareDir, "held", () => ended);
      await kill(daemon!, "SIGKILL");
      restarted = await startDaemon(dir, "again");
      daemon = restarted;
      writeFileSync(join(shareDir, "restarted"), "");
    } catch (e) {
      writeFileSync(join(shareDir, "abort"), "");
      await running.catch(() => undefined);
      throw e;
    }
    const out = await running;
    console.log(out.output);
    expect(out.exitCode, out.output).toBe(0);
    expect(restarted.port).toBe(port);
    // The restarted daemon knew the client from its persisted record and held a grace period.
    expect(restarted.log()).toContain("nfs4 grace period");
    const lines = out.output.split("\n").filter((l) => /^[a-zA-Z0-9-]+:/.test(l));
    expect(lines).toEqual(["R:denied", "R-range:denied", "holder:reclaimed exit 0", "S:got", `md5:${md5}`]);
  });
});
