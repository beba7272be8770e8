/**
 * Issue 17 parts 1 and 2, against the real daemon (createDaemon: SQLite metadata, fs blocks, WAL,
 * the bootstrap's /export and admin) over real sockets: what a hostile peer can make the daemon
 * hold, and how long. Zero-length and endless NFS fragments close the connection; an SMB compound
 * of 48 8 MiB READs is bounded; an 8 MiB frame before authentication is refused; a stalled frame
 * and silent connections are closed; 1,030 idle sockets per protocol do not lock out libnfs or
 * smbclient; bad frames are counted in /metrics; bad limit settings are refused naming the key.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../../apps/daemon/src/config/load.ts";
import { createDaemon, type Daemon } from "../../apps/daemon/src/daemon.ts";
import { encodeRecord } from "../../apps/daemon/src/protocols/nfs/rpc/record-marking.ts";
import * as C from "../../apps/daemon/src/protocols/smb/constants.ts";
import { transportHeader } from "../../apps/daemon/src/protocols/smb/framing.ts";
import { STATUS_INSUFFICIENT_RESOURCES } from "../../apps/daemon/src/protocols/smb/ntstatus.ts";
import {
  closeBody,
  createBody,
  fileIdOf,
  readBody,
  writeBody,
} from "../../apps/daemon/src/protocols/smb/testing/bodies.ts";
import { SmbTestClient } from "../../apps/daemon/src/protocols/smb/testing/smb-client.ts";
import { smbclient } from "./smb-helpers.ts";

const run = promisify(execFile);
const PASSWORD = "hostile-Admin-pass1";
const MIB = 1024 * 1024;

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
}

/** Resolves when the server closes `s` (the failure path of a test that waits is its timeout). */
function closedByServer(s: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (s.destroyed || s.readableEnded) return resolve();
    s.on("error", () => {});
    s.once("close", () => resolve());
    s.resume();
  });
}

/** An ONC RPC NULL call (RFC 5531 §9) to NFS v3, AUTH_NONE. */
function nullCall(xid: number): Buffer {
  const b = Buffer.alloc(40);
  for (const [i, v] of [xid, 0, 2, 100003, 3, 0, 0, 0, 0, 0].entries()) b.writeUInt32BE(v, i * 4);
  return encodeRecord(b);
}

describe("hostile peers against the real daemon (issue 17: frames, memory, connection lifecycle)", () => {
  let daemon: Daemon;
  let dir: string;
  let nfsPort: number;
  let smbPort: number;

  const metric = async (name: string, labels: string) => {
    const text = await (await fetch(`${daemon.httpUrl}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith(name) && l.includes(labels));
    return line === undefined ? 0 : Number(line.split(" ").at(-1));
  };
  const nfsLs = () =>
    run("nfs-ls", [`nfs://127.0.0.1/export/?version=3&nfsport=${nfsPort}&mountport=${nfsPort}`], {
      timeout: 30_000,
    });
  const smbLs = () => smbclient({ port: smbPort, user: "admin", password: PASSWORD }, "ls", dir);
  const updateAdapter = async (type: string, settings: Record<string, unknown>) => {
    const row = daemon.runtime.adapterRecords().find((a) => a.type === type)!;
    await daemon.runtime.updateAdapter({ type, settings: { ...row.settings, ...settings } });
    return daemon.runtime.adapterStatus(type).port;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hostile-"));
    const config = resolveConfig({
      dataDir: join(dir, "data"),
      http: { listen: "127.0.0.1:0" },
      cache: { size: "64MiB" },
    });
    daemon = await createDaemon(config, {
      logger: pino({ level: process.env.SMB_TEST_LOG ?? "silent" }),
      adapterHost: "127.0.0.1",
      adapterPortOverride: 0,
      env: { DITTOFS_ADMIN_PASSWORD: PASSWORD },
      scrypt: { N: 1024, r: 8, p: 1 },
      print: () => {},
    });
    await daemon.start();
    smbPort = daemon.runtime.adapterStatus("smb").port;
    nfsPort = daemon.runtime.adapterStatus("nfs").port;
  });

  afterAll(async () => {
    await daemon?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("closes an NFS connection that sends zero-length non-last fragments, and counts it", async () => {
    const s = await open(nfsPort);
    s.write(Buffer.alloc(64 * 1024)); // 16,384 headers `00000000`: length 0, not last
    await closedByServer(s);
    expect(await metric("dittofs_bad_frames_total", 'protocol="nfs",reason="zero-length-fragment"')).toBe(1);
    await nfsLs();
  });

  it("closes an NFS connection whose record has more fragments than the cap", async () => {
    const s = await open(nfsPort);
    const oneByte = Buffer.from([0, 0, 0, 1, 0x41]);
    s.write(Buffer.concat(Array.from({ length: 300 }, () => oneByte)));
    await closedByServer(s);
    expect(await metric("dittofs_bad_frames_total", 'protocol="nfs",reason="too-many-fragments"')).toBe(1);
  });

  it("bounds an SMB compound of 48 READs of 8 MiB: the first is served, the rest refused", async () => {
    const c = await SmbTestClient.login(smbPort, "admin", PASSWORD);
    try {
      const f = fileIdOf(await c.send(C.SMB2_CREATE, createBody("big-compound.bin")));
      const w = await c.send(C.SMB2_WRITE, writeBody(f, 0n, Buffer.alloc(8 * MIB, 0x5a)), {
        creditCharge: 128,
      });
      expect(w.status).toBe(0);
      const reads = Array.from({ length: 48 }, () => ({
        command: C.SMB2_READ,
        body: readBody(f, 0n, 8 * MIB),
        creditCharge: 128,
      }));
      const replies = await c.compound(reads);
      expect(replies[0]!.status).toBe(0);
      expect(replies[0]!.body.readUInt32LE(4)).toBe(8 * MIB);
      expect(replies.slice(1).map((r) => r.status)).toEqual(Array(47).fill(STATUS_INSUFFICIENT_RESOURCES));
      await c.send(C.SMB2_CLOSE, closeBody(f));
    } finally {
      c.close();
    }
  });

  it("refuses an 8 MiB SMB frame before authentication on 16 connections at once", async () => {
    const before = await metric("dittofs_bad_frames_total", 'protocol="smb",reason="frame-too-large"');
    const socks = await Promise.all(Array.from({ length: 16 }, () => open(smbPort)));
    for (const s of socks) s.write(Buffer.concat([transportHeader(8 * MIB), Buffer.alloc(MIB)]));
    await Promise.all(socks.map(closedByServer));
    expect(await metric("dittofs_bad_frames_total", 'protocol="smb",reason="frame-too-large"')).toBe(
      before + 16,
    );
  });

  it("does not lock out libnfs or smbclient with 1,030 idle sockets per protocol", async () => {
    const idle: Socket[] = [];
    try {
      for (const port of [nfsPort, smbPort]) {
        for (let i = 0; i < 1030; i++) idle.push(await open(port));
      }
      await nfsLs();
      await smbLs();
    } finally {
      for (const s of idle) s.destroy();
    }
  });

  it("closes silent connections at the handshake deadline and stalled frames at the frame deadline", async () => {
    nfsPort = await updateAdapter("nfs", { handshakeTimeoutMs: 300, frameTimeoutMs: 300 });
    smbPort = await updateAdapter("smb", { handshakeTimeoutMs: 300, frameTimeoutMs: 300 });
    const silent = await Promise.all([open(nfsPort), open(smbPort)]);
    await Promise.all(silent.map(closedByServer));
    // Past the handshake: a NULL call, then half of a 1 MiB record.
    const nfs = await open(nfsPort);
    nfs.write(nullCall(1));
    const half = Buffer.alloc(4 + 512 * 1024);
    half.writeUInt32BE((0x8000_0000 | MIB) >>> 0, 0);
    nfs.write(half);
    // SMB after login: half of a 1 MiB frame.
    const c = await SmbTestClient.login(smbPort, "admin", PASSWORD);
    c.raw(Buffer.concat([transportHeader(MIB), Buffer.alloc(512 * 1024)]));
    await closedByServer(nfs);
    await c.closed();
    expect(await metric("dittofs_connections_limited_total", 'protocol="nfs",reason="frame-timeout"')).toBe(
      1,
    );
    expect(await metric("dittofs_connections_limited_total", 'protocol="smb",reason="frame-timeout"')).toBe(
      1,
    );
    await nfsLs();
    await smbLs();
  });

  it("idles out connections that hold nothing, but keeps an SMB session with an open file (as Samba)", async () => {
    nfsPort = await updateAdapter("nfs", { idleTimeoutMs: 1000 });
    smbPort = await updateAdapter("smb", { idleTimeoutMs: 1000 });
    const nfs = await open(nfsPort);
    nfs.write(nullCall(2));
    const bare = await SmbTestClient.login(smbPort, "admin", PASSWORD);
    const holding = await SmbTestClient.login(smbPort, "admin", PASSWORD);
    const f = fileIdOf(await holding.send(C.SMB2_CREATE, createBody("held-open.txt")));
    await Promise.all([closedByServer(nfs), bare.closed()]);
    // Idle just as long as `bare`, but with an open file: still served on the same connection.
    const w = await holding.send(C.SMB2_WRITE, writeBody(f, 0n, Buffer.from("still here")));
    expect(w.status).toBe(0);
    expect(await metric("dittofs_connections_limited_total", 'protocol="smb",reason="idle-timeout"')).toBe(1);
    expect(await metric("dittofs_connections_limited_total", 'protocol="nfs",reason="idle-timeout"')).toBe(1);
    holding.close();
  });

  it("refuses a bad limit setting with an error naming the key", async () => {
    await expect(updateAdapter("nfs", { idleTimeoutMs: -5 })).rejects.toThrow(/settings\.idleTimeoutMs/);
    await expect(updateAdapter("smb", { maxConnectionsPerClient: "many" })).rejects.toThrow(
      /settings\.maxConnectionsPerClient/,
    );
  });
});
