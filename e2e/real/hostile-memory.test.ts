/**
 * Issue 17, "100 connections × worst-case frames → RSS stays under the configured budget + 64 MiB",
 * as an absolute figure: a daemon process (bench/daemon-process.ts, the flags `dfs` runs with)
 * with `memory.budget` 256MiB and no content cache is sent the largest frame each protocol
 * accepts, all but its last byte, on 25 NFS and 25 SMB connections (≈ 226 MiB declared, more
 * than the ≈ 60 MiB the process leaves). Its resident set, sampled from /proc every 20 ms until
 * the connections are gone, stays under 320 MiB, and nfs-ls and smbclient still work.
 */
import { execFile } from "node:child_process";
import { connect, type Socket } from "node:net";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeRecord } from "../../apps/daemon/src/protocols/nfs/rpc/record-marking.ts";
import { transportHeader } from "../../apps/daemon/src/protocols/smb/framing.ts";
import { SmbTestClient } from "../../apps/daemon/src/protocols/smb/testing/smb-client.ts";
import { type DaemonProcess, rssBytes, startDaemonProcess } from "../../bench/daemon-process.ts";

const run = promisify(execFile);
const MIB = 1024 * 1024;
const BUDGET = 256 * MIB;
/** bench/hostile-daemon.ts's admin password. */
const PASSWORD = "hostile-Bench-pass1";
const CONNECTIONS = 25;

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
}

/** An ONC RPC NULL call (RFC 5531 §9) to NFS v3, AUTH_NONE: past the handshake deadline. */
function nullCall(xid: number): Buffer {
  const b = Buffer.alloc(40);
  for (const [i, v] of [xid, 0, 2, 100003, 3, 0, 0, 0, 0, 0].entries()) b.writeUInt32BE(v, i * 4);
  return encodeRecord(b);
}

/** Resolves when `s` has written everything it was given (the daemon read it or is reading). */
const flushed = (s: Socket) =>
  new Promise<void>((resolve) => (s.writableLength === 0 ? resolve() : s.once("drain", () => resolve())));

describe("the memory budget holds for the whole daemon process (issue 17)", () => {
  let d: DaemonProcess;
  beforeAll(async () => {
    d = await startDaemonProcess(["--budget", "256MiB", "--cache", "0MiB"]);
  });
  afterAll(() => d?.stop());

  it("keeps the resident set under memory.budget + 64 MiB with worst-case frames on 50 connections", {
    timeout: 120_000,
  }, async () => {
    let peak = rssBytes(d.pid);
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssBytes(d.pid));
    }, 20);
    const nfs: Socket[] = [];
    const smb: SmbTestClient[] = [];
    try {
      for (let i = 0; i < CONNECTIONS; i++) {
        const s = await open(d.nfs);
        s.on("error", () => {});
        const max = MIB + 64 * 1024; // the NFS record limit (rpc/connection.ts)
        const head = Buffer.alloc(4);
        head.writeUInt32BE((0x8000_0000 | max) >>> 0, 0);
        s.write(Buffer.concat([nullCall(i + 1), head, Buffer.alloc(max - 1)]));
        nfs.push(s);
      }
      for (let i = 0; i < CONNECTIONS; i++) {
        const c = await SmbTestClient.login(d.smb, "admin", PASSWORD);
        const max = 8 * MIB + 64 * 1024; // MAX_FRAME_BYTES (smb/framing.ts)
        c.raw(Buffer.concat([transportHeader(max), Buffer.alloc(max - 1)]));
        smb.push(c);
      }
      // The daemon admitted what fits and paused the rest; let the admitted frames arrive.
      await Promise.race([Promise.all(nfs.map(flushed)), new Promise((r) => setTimeout(r, 3000))]);
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      for (const s of nfs) s.destroy();
      for (const c of smb) c.close();
    }
    // Closing releases reservations and wakes paused connections: sample through that too.
    await new Promise((r) => setTimeout(r, 1500));
    clearInterval(sampler);
    expect(peak).toBeGreaterThan(0);
    expect(Math.round(peak / MIB)).toBeLessThan((BUDGET + 64 * MIB) / MIB);
    const url = `nfs://127.0.0.1/export/?version=3&nfsport=${d.nfs}&mountport=${d.nfs}`;
    await run("nfs-ls", [url], { timeout: 30_000 });
    await run(
      "smbclient",
      ["//127.0.0.1/export", "-p", String(d.smb), "-U", `admin%${PASSWORD}`, "-c", "ls"],
      { timeout: 30_000 },
    );
  });
});
