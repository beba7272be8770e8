/**
 * Hostile-client probes (issue 17 parts 1-2) against a daemon process started from a source tree,
 * so the same probes measure two checkouts (e.g. before and after a change). For each probe it
 * prints one line: what was sent, whether the daemon closed the connection(s), the daemon's RSS
 * growth (peak over the probe, from /proc/<pid>/status) and whether real clients still work.
 *
 *   npx tsx bench/hostile.ts [--tree DIR] [--budget 320MiB] [--cache 64MiB] [--probe zero,idle,worst,compound,preauth]
 *
 * --budget sets `memory.budget` (the daemon's whole resident set; README), --cache `cache.size`.
 *
 * zero:     64 MiB of record-marking headers `00000000` on one NFS connection.
 * idle:     2,000 idle sockets to NFS and 2,000 to SMB, then nfs-ls and smbclient (5 s each).
 * worst:    100 connections (50 NFS past a NULL call, 50 SMB after login) each sending all but the
 *           last byte of the largest frame the server accepts; the peak runs until 3 s after they
 *           closed (waiting connections may start frames while closed ones are released).
 * compound: 10 SMB connections each sending one compound of 48 READs of 8 MiB.
 * preauth:  16 SMB connections each sending 1 MiB of an 8 MiB frame before NEGOTIATE.
 */
import { execFile } from "node:child_process";
import { connect, type Socket } from "node:net";
import { resolve } from "node:path";
import { parseArgs, promisify } from "node:util";
import { encodeRecord } from "../apps/daemon/src/protocols/nfs/rpc/record-marking.ts";
import * as C from "../apps/daemon/src/protocols/smb/constants.ts";
import { transportHeader } from "../apps/daemon/src/protocols/smb/framing.ts";
import {
  closeBody,
  createBody,
  fileIdOf,
  readBody,
  writeBody,
} from "../apps/daemon/src/protocols/smb/testing/bodies.ts";
import { SmbTestClient } from "../apps/daemon/src/protocols/smb/testing/smb-client.ts";
import { type DaemonProcess, rssBytes, startDaemonProcess } from "./daemon-process.ts";

const run = promisify(execFile);
const MIB = 1024 * 1024;
const PASSWORD = "hostile-Bench-pass1";
const { values } = parseArgs({
  options: {
    tree: { type: "string", default: resolve(import.meta.dirname, "..") },
    budget: { type: "string" },
    cache: { type: "string" },
    probe: { type: "string", default: "zero,idle,worst,compound,preauth" },
  },
});

type Daemon = DaemonProcess;

function startDaemon(): Promise<Daemon> {
  const args = ["--tree", values.tree!];
  if (values.budget) args.push("--budget", values.budget);
  if (values.cache) args.push("--cache", values.cache);
  return startDaemonProcess(args);
}

const alive = (pid: number) => rssBytes(pid) > 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (b: number) => `${(b / MIB).toFixed(1)} MiB`;

/** Samples the daemon's RSS every 20 ms while `fn` runs and for `settleMs` after; returns the peak. */
async function peakRss<T>(
  pid: number,
  fn: () => Promise<T>,
  settleMs = 1500,
): Promise<{ peak: number; out: T }> {
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssBytes(pid));
  }, 20);
  try {
    const out = await fn();
    await sleep(settleMs);
    return { peak, out };
  } finally {
    clearInterval(timer);
  }
}

function open(port: number): Promise<Socket> {
  return new Promise((res, rej) => {
    const s = connect(port, "127.0.0.1", () => res(s));
    s.once("error", rej);
  });
}

const closedWithin = (s: Socket, ms: number) =>
  new Promise<boolean>((res) => {
    if (s.destroyed) return res(true);
    s.on("error", () => {});
    s.resume();
    const t = setTimeout(() => res(false), ms);
    s.once("close", () => {
      clearTimeout(t);
      res(true);
    });
  });

function nullCall(xid: number): Buffer {
  const b = Buffer.alloc(40);
  for (const [i, v] of [xid, 0, 2, 100003, 3, 0, 0, 0, 0, 0].entries()) b.writeUInt32BE(v, i * 4);
  return encodeRecord(b);
}

async function clientsWork(d: Daemon): Promise<string> {
  const t0 = performance.now();
  const timed = async (p: Promise<unknown>) => {
    try {
      await p;
      return `ok ${((performance.now() - t0) / 1000).toFixed(2)} s`;
    } catch (e) {
      return `FAILED (${String((e as Error).message)
        .split("\n")[0]!
        .slice(0, 60)})`;
    }
  };
  const url = `nfs://127.0.0.1/export/?version=3&nfsport=${d.nfs}&mountport=${d.nfs}`;
  const [nfs, smb] = await Promise.all([
    timed(run("nfs-ls", [url], { timeout: 5000 })),
    timed(
      run("smbclient", ["//127.0.0.1/export", "-p", String(d.smb), "-U", `admin%${PASSWORD}`, "-c", "ls"], {
        timeout: 5000,
      }),
    ),
  ]);
  return `nfs-ls ${nfs}, smbclient ${smb}`;
}

async function zero(d: Daemon): Promise<string> {
  const s = await open(d.nfs);
  const chunk = Buffer.alloc(MIB);
  let sent = 0;
  const closed = closedWithin(s, 120_000);
  let isClosed = false;
  void closed.then((c) => {
    isClosed = c;
  });
  const { peak } = await peakRss(d.pid, async () => {
    while (sent < 64 * MIB && !isClosed) {
      const ok = s.write(chunk);
      sent += MIB;
      if (!ok) await Promise.race([new Promise((r) => s.once("drain", r)), closed]);
    }
    await Promise.race([closed, sleep(3000)]);
  });
  s.destroy();
  return `zero: wrote ${sent / MIB} MiB of 00000000, closed by server: ${isClosed}, peak RSS ${mib(peak)}`;
}

async function idle(d: Daemon): Promise<string> {
  const socks: Socket[] = [];
  for (const port of [d.nfs, d.smb])
    for (let i = 0; i < 2000; i++) socks.push(await open(port).catch(() => null as never));
  const opened = socks.filter(Boolean).length;
  const held = socks.filter((s) => s && !s.destroyed).length;
  const result = await clientsWork(d);
  for (const s of socks) s?.destroy();
  return `idle: ${opened} idle sockets opened (${held} still open); then ${result}`;
}

async function worst(d: Daemon): Promise<string> {
  let open_ = 0;
  const { peak } = await peakRss(
    d.pid,
    async () => {
      const socks: Socket[] = [];
      const clients: SmbTestClient[] = [];
      for (let i = 0; i < 50; i++) {
        const s = await open(d.nfs);
        s.on("error", () => {});
        const max = MIB + 64 * 1024;
        const head = Buffer.alloc(4);
        head.writeUInt32BE((0x8000_0000 | max) >>> 0, 0);
        s.write(Buffer.concat([nullCall(i + 1), head, Buffer.alloc(max - 1)]));
        socks.push(s);
      }
      for (let i = 0; i < 50; i++) {
        const c = await SmbTestClient.login(d.smb, "admin", PASSWORD);
        const max = 8 * MIB + 64 * 1024;
        c.raw(Buffer.concat([transportHeader(max), Buffer.alloc(max - 1)]));
        clients.push(c);
      }
      await sleep(3000);
      open_ = socks.filter((s) => !s.destroyed).length;
      for (const s of socks) s.destroy();
      for (const c of clients) c.close();
    },
    3000,
  );
  const limit = values.budget ? `, limit (budget + 64 MiB) ${mib(parseSize(values.budget) + 64 * MIB)}` : "";
  return `worst: 50 NFS x ${mib(MIB + 64 * 1024)} + 50 SMB x ${mib(8 * MIB + 64 * 1024)} partial frames (${open_} NFS still open), peak RSS ${mib(peak)}${limit}`;
}

/** "320MiB" / "1GiB" → bytes (the bench's own flags only). */
function parseSize(s: string): number {
  const m = /^(\d+)(MiB|GiB)$/.exec(s);
  if (!m) throw new Error(`--budget ${s}: use MiB or GiB`);
  return Number(m[1]) * (m[2] === "GiB" ? 1024 : 1) * MIB;
}

async function compound(d: Daemon): Promise<string> {
  const setup = await SmbTestClient.login(d.smb, "admin", PASSWORD);
  const f = fileIdOf(await setup.send(C.SMB2_CREATE, createBody("hostile-compound.bin")));
  await setup.send(C.SMB2_WRITE, writeBody(f, 0n, Buffer.alloc(8 * MIB, 0x5a)), { creditCharge: 128 });
  await setup.send(C.SMB2_CLOSE, closeBody(f));
  const clients = await Promise.all(
    Array.from({ length: 10 }, () => SmbTestClient.login(d.smb, "admin", PASSWORD)),
  );
  let served = 0;
  let refused = 0;
  const { peak } = await peakRss(d.pid, async () => {
    await Promise.all(
      clients.map(async (c) => {
        const g = fileIdOf(await c.send(C.SMB2_CREATE, createBody("hostile-compound.bin")));
        const reads = Array.from({ length: 48 }, () => ({
          command: C.SMB2_READ,
          body: readBody(g, 0n, 8 * MIB),
          creditCharge: 128,
        }));
        for (const r of await c.compound(reads)) {
          if (r.status === 0) served++;
          else refused++;
        }
      }),
    );
  });
  for (const c of [setup, ...clients]) c.close();
  return `compound: 10 x 48 READs of 8 MiB: ${served} served, ${refused} refused, peak RSS ${mib(peak)}`;
}

async function preauth(d: Daemon): Promise<string> {
  const socks = await Promise.all(Array.from({ length: 16 }, () => open(d.smb)));
  const { peak, out } = await peakRss(d.pid, async () => {
    for (const s of socks) s.write(Buffer.concat([transportHeader(8 * MIB), Buffer.alloc(MIB)]));
    return Promise.all(socks.map((s) => closedWithin(s, 10_000)));
  });
  for (const s of socks) s.destroy();
  return `preauth: 16 SMB x 1 MiB of an 8 MiB frame: ${out.filter(Boolean).length} closed within 10 s, peak RSS ${mib(peak)}`;
}

const PROBES: Record<string, (d: Daemon) => Promise<string>> = { zero, idle, worst, compound, preauth };
console.log(
  `tree ${values.tree}${values.budget ? `, memory.budget ${values.budget}` : ""}${values.cache ? `, cache.size ${values.cache}` : ""}`,
);
for (const name of values.probe!.split(",")) {
  const d = await startDaemon();
  await sleep(1000);
  const base = rssBytes(d.pid);
  try {
    const line = await PROBES[name]!(d);
    const after = await clientsWork(d);
    console.log(
      `${line}; baseline RSS ${mib(base)}; daemon ${alive(d.pid) ? "alive" : "DEAD"}; after: ${after}`,
    );
  } catch (e) {
    console.log(`${name}: probe failed: ${(e as Error).message}; daemon ${alive(d.pid) ? "alive" : "DEAD"}`);
  } finally {
    await d.stop();
  }
}
