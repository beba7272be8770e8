/**
 * Every byte a COMMIT acknowledged survives a SIGKILL before it reached the block store (issue
 * 19): the kernel NFSv3 client in the qemu guest writes 256 MiB to a DittoFS server running as
 * its own process (nfs-crash-daemon.ts, SQLite + fs blocks + WAL) whose block uploads are held
 * back, so once the client's close() and sync have returned (WRITEs + COMMIT) the data is in the
 * WAL only. The guest unmounts and asks the host (a file on the 9p share) to SIGKILL the server
 * and start it again on the same data directory and port without the hold; the guest mounts again
 * and the MD5 of what it reads must be the host's. That is the journaled path (a remote store's).
 * The second case runs the fs store's write-once path (payload/write-once.ts, no hold): the COMMIT
 * itself stores the blocks, so at the kill the block store holds the data and the WAL none of it.
 * There the blocks were written behind (payload/transfer/write-behind.ts: staged as unsynced temp
 * files while the client wrote) and the COMMIT published them: no temp file is left at the kill.
 */
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { guestImage } from "../clients/guest.ts";
import { RESTART_ASK_FILE, RESTART_DONE_FILE, RESTART_HANDSHAKE, withKernelNfs } from "../clients/mount.ts";
import {
  type DaemonProcess as Daemon,
  killDaemonProcess as kill,
  startDaemonProcess,
} from "./daemon-process.ts";

const BYTES = 256 * 1024 * 1024;
const DAEMON = fileURLToPath(new URL("./nfs-crash-daemon.ts", import.meta.url));

/** Bytes in regular files under `dir` (0 if it does not exist). */
function bytesUnder(dir: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += statSync(join(e.parentPath, e.name)).size;
  }
  return total;
}

/** Temp files (".tmp-*": puts in flight, write-behind stages) under `dir`. */
function tempFilesUnder(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter(
    (e) => e.isFile() && e.name.startsWith(".tmp-"),
  ).length;
}

function startDaemon(dataDir: string, port: number, hold: boolean): Promise<Daemon> {
  return startDaemonProcess(DAEMON, [dataDir, String(port), ...(hold ? ["hold"] : [])]);
}

/** Guest: write and COMMIT, hand over to the host for the kill and restart, read back. */
function guestCommands(md5: string): string {
  return `
cp /share/data big.bin
sync
echo "WRITTEN"
${RESTART_HANDSHAKE}
[ "$(stat -c %s big.bin)" = ${BYTES} ] || { echo "size $(stat -c %s big.bin)"; exit 1; }
sum=$(md5sum big.bin)
sum=\${sum%% *}
[ "$sum" = ${md5} ] || { echo "MD5 after SIGKILL: got $sum want ${md5}"; exit 1; }
echo "CRASH READBACK OK"
`;
}

describe("kernel NFSv3 client: COMMITted data survives a SIGKILL before upload", () => {
  let dir: string;
  let shareDir: string;
  let daemon: Daemon | undefined;

  beforeAll(async () => {
    await guestImage();
    dir = mkdtempSync(join(tmpdir(), "dittofs-kernel-crash-"));
    shareDir = mkdtempSync(join(tmpdir(), "dittofs-kernel-crash-share-"));
    chmodSync(shareDir, 0o777);
  });

  afterAll(async () => {
    if (daemon !== undefined) await kill(daemon, "SIGKILL");
    for (const d of [dir, shareDir]) if (d !== undefined) rmSync(d, { recursive: true, force: true });
  });

  /** The guest writes and COMMITs; the host SIGKILLs the daemon and restarts it; the guest reads. */
  async function crashRun(hold: boolean): Promise<{ blocks: number; wal: number; temps: number }> {
    const data = randomBytes(BYTES);
    writeFileSync(join(shareDir, "data"), data);
    const md5 = createHash("md5").update(data).digest("hex");
    const dataDir = mkdtempSync(join(dir, "run-"));
    daemon = await startDaemon(dataDir, 0, hold);
    const port = daemon.port;
    const seen = { blocks: -1, wal: -1, temps: -1 };
    const done = { value: false };
    const crashWhenCommitted = async () => {
      while (!done.value && !existsSync(join(shareDir, RESTART_ASK_FILE))) await sleep(100);
      if (done.value || daemon === undefined) return;
      seen.blocks = bytesUnder(join(dataDir, "blocks-0"));
      seen.wal = bytesUnder(join(dataDir, "wal"));
      seen.temps = tempFilesUnder(join(dataDir, "blocks-0"));
      await kill(daemon, "SIGKILL");
      daemon = await startDaemon(dataDir, port, false);
      writeFileSync(join(shareDir, RESTART_DONE_FILE), "yes\n");
    };
    const crasher = crashWhenCommitted();
    const t0 = Date.now();
    const r = await withKernelNfs({ port, mountPort: port, exportPath: "/export" }, guestCommands(md5), {
      shareDir,
      timeoutMs: 600_000,
    }).finally(() => {
      done.value = true;
    });
    await crasher;
    await kill(daemon, "SIGKILL");
    daemon = undefined;
    for (const f of [RESTART_ASK_FILE, RESTART_DONE_FILE]) rmSync(join(shareDir, f), { force: true });
    console.log(
      `kernel NFSv3 crash (${hold ? "uploads held, journaled" : "write-once"}): boot ${r.bootMs} ms, whole run ${Date.now() - t0} ms; at the kill the block store held ${seen.blocks} bytes (${seen.temps} temp files), the WAL ${seen.wal}`,
    );
    expect(r.output).toContain("WRITTEN");
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toContain("CRASH READBACK OK");
    return seen;
  }

  it("writes 256 MiB, SIGKILLs the server between COMMIT and upload, reads it back identical", async () => {
    const seen = await crashRun(true);
    // The window was real: at the kill the WAL held the data and the block store did not.
    expect(seen.blocks).toBeGreaterThanOrEqual(0);
    expect(seen.blocks).toBeLessThan(BYTES);
    expect(seen.wal).toBeGreaterThanOrEqual(BYTES);
  });

  it("write-once on the fs store: COMMIT stored the 256 MiB where they live, once; a SIGKILL after it loses nothing", async () => {
    const seen = await crashRun(false);
    // Written once: the block store held everything at the kill, the WAL none of the data.
    expect(seen.blocks).toBeGreaterThanOrEqual(BYTES);
    expect(seen.wal).toBeLessThan(BYTES / 16);
    expect(seen.temps).toBe(0);
  });
});
