/**
 * A file smbclient saw closed survives a SIGKILL of the daemon (docs/payload.md "CLOSE"): the
 * daemon runs as its own process (smb-crash-daemon.ts: SQLite metadata, fs blocks, WAL), smbclient
 * puts 64 MiB of random bytes into a new file (WRITEs, then CLOSE) and the daemon is SIGKILLed as
 * soon as smbclient exits. The CLOSE answered before any fdatasync: at the kill the file's blocks
 * are sealed staged files (named after their length and CRC32C), not yet published to their keys.
 * The daemon starts again on the same data directory, adopts them (block-store/fs-adopt.ts), and
 * smbclient gets the file back byte for byte.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { type DaemonProcess, killDaemonProcess, startDaemonProcess } from "./daemon-process.ts";
import { smbclient } from "./smb-helpers.ts";

const BYTES = 64 * 1024 * 1024;
const PASSWORD = "close-Crash-pass1";
const DAEMON = fileURLToPath(new URL("./smb-crash-daemon.ts", import.meta.url));
/** A sealed stage's name: `<seq>.<crc32c>.<length>+<key>` (fs-adopt.ts). */
const SEALED_RE = /^\d+\.[0-9a-f]{8}\.\d+\+/;

/** Sealed staged files anywhere under `dir`. */
function sealedUnder(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter(
    (e) => e.isFile() && e.parentPath.includes(".tmp-staging") && SEALED_RE.test(e.name),
  ).length;
}

const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");

describe("SMB CLOSE and a SIGKILL of the daemon", () => {
  const dir = mkdtempSync(join(tmpdir(), "smbclose-crash-"));
  let daemon: DaemonProcess | null = null;

  afterAll(async () => {
    if (daemon !== null) await killDaemonProcess(daemon, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("a file smbclient put (closed, never flushed) reads back identical after the daemon is killed", async () => {
    const data = randomBytes(BYTES);
    writeFileSync(join(dir, "src.bin"), data);
    daemon = await startDaemonProcess(DAEMON, [dir, PASSWORD]);
    const target = () => ({ port: daemon!.port, user: "admin", password: PASSWORD });
    const put = await smbclient(target(), "put src.bin big.bin", dir);
    expect(put.code, put.out).toBe(0);
    await killDaemonProcess(daemon, "SIGKILL");
    // The CLOSE answered with the blocks sealed, not published (no fdatasync): what the restart adopts.
    const sealed = sealedUnder(join(dir, "data"));
    expect(sealed).toBeGreaterThan(0);
    daemon = await startDaemonProcess(DAEMON, [dir, PASSWORD]);
    expect(sealedUnder(join(dir, "data"))).toBe(0);
    const get = await smbclient(target(), "get big.bin back.bin", dir);
    expect(get.code, get.out).toBe(0);
    const back = readFileSync(join(dir, "back.bin"));
    expect(back.length).toBe(BYTES);
    expect(md5(back)).toBe(md5(data));
    console.log(`smb close crash: ${sealed} sealed blocks at the kill, adopted at the restart`);
  }, 180_000);
});
