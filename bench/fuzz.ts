/**
 * Structure-aware fuzzer against a real daemon process (bench/hostile-daemon.ts). Valid frames are
 * built with the project's codecs (RPC calls for NFSv3, MOUNT and NLM with a real root handle from
 * MNT; SMB2 requests on a logged-on session and tree), then mutated with a seeded PRNG: a u32/u16
 * field set to a boundary value (lengths, counts, offsets, flags), bytes flipped, truncated, grown,
 * record marks split into fragments or lying about the length, TCP writes split at random points.
 * After every batch it checks the daemon process is alive, nfs-ls and smbclient still work, and
 * samples its RSS. Prints frames sent, crashes, peak RSS and the seed (rerun with --seed).
 *
 * NFSv4 COMPOUNDs (v4.0 and v4.1 with SEQUENCE) come from bench/fuzz-nfs4.ts; after each of
 * its batches nfs-ls checks the export over NFSv4.
 *
 *   npx tsx bench/fuzz.ts [--frames 100000] [--protocols nfs,nfs4,smb] [--seed N] [--batch 5000]
 */
import { execFile } from "node:child_process";
import { connect, type Socket } from "node:net";
import { parseArgs, promisify } from "node:util";
import { RpcClient } from "../apps/daemon/src/protocols/nfs/rpc/client.ts";
import { encodeCall } from "../apps/daemon/src/protocols/nfs/rpc/message.ts";
import { XdrWriter } from "../apps/daemon/src/protocols/nfs/xdr/writer.ts";
import * as C from "../apps/daemon/src/protocols/smb/constants.ts";
import { transportHeader } from "../apps/daemon/src/protocols/smb/framing.ts";
import { encodeHeader } from "../apps/daemon/src/protocols/smb/header.ts";
import * as B from "../apps/daemon/src/protocols/smb/testing/bodies.ts";
import { type FileId, SmbTestClient } from "../apps/daemon/src/protocols/smb/testing/smb-client.ts";
import { type DaemonProcess, rssBytes, startDaemonProcess } from "./daemon-process.ts";
import { Lane } from "./fuzz-lane.ts";
import { frameRecord, mutate, prng } from "./fuzz-mutate.ts";
import { Nfs4Fuzz } from "./fuzz-nfs4.ts";

const run = promisify(execFile);
const PASSWORD = "hostile-Bench-pass1";
const NFS_PROG = 100003;
const MOUNT_PROG = 100005;
const NLM_PROG = 100021;
/**
 * The fuzzer's own client address: its garbage SESSION_SETUPs count as failed logons, and the logon
 * throttle backs off that address, not the real clients' 127.0.0.1.
 */
const FUZZ_ADDRESS = "127.0.0.2";
/** Connections each protocol's frames are spread over. */
const CONNECTIONS = 4;
/** nfs4: calls a lane leaves unanswered at most (Lane). */
const NFS4_WINDOW = 32;

export interface FuzzResult {
  protocol: string;
  frames: number;
  closedByServer: number;
  /** nfs4: COMPOUNDs the daemon answered (its /metrics); frames on a connection it closed are lost. */
  answered: number | null;
  crashes: number;
  peakRssBytes: number;
  clientFailures: string[];
  seed: number;
}

// ---- NFS, MOUNT, NLM -------------------------------------------------------------------------

function call(prog: number, vers: number, proc: number, xid: number, args: (w: XdrWriter) => void): Buffer {
  const w = encodeCall(new XdrWriter(), {
    xid,
    prog,
    vers,
    proc,
    auth: { stamp: 1, machineName: "fuzz", uid: 0, gid: 0, gids: [] },
  });
  args(w);
  return w.toBuffer();
}

const sattrNone = (w: XdrWriter) => w.uint32(0).uint32(0).uint32(0).uint32(0).uint32(0).uint32(0);

function nlmLock(w: XdrWriter, fh: Buffer): void {
  w.string("fuzz").opaque(fh).opaque(Buffer.from("owner")).uint32(42).uint64(0n).uint64(100n);
}

/** Valid calls of every NFSv3 procedure, MOUNT and NLM, on the export's root handle. */
function rpcSeeds(fh: Buffer): ((xid: number) => Buffer)[] {
  const nfs = (proc: number, args: (w: XdrWriter) => void) => (xid: number) =>
    call(NFS_PROG, 3, proc, xid, args);
  const fhArg = (w: XdrWriter) => w.opaque(fh);
  const named = (name: string) => (w: XdrWriter) => w.opaque(fh).string(name);
  return [
    nfs(0, () => {}),
    nfs(1, fhArg),
    nfs(2, (w) => {
      w.opaque(fh);
      sattrNone(w);
      w.bool(false);
    }),
    nfs(3, named("fuzz-a")),
    nfs(4, (w) => w.opaque(fh).uint32(0x3f)),
    nfs(5, fhArg),
    nfs(6, (w) => w.opaque(fh).uint64(0n).uint32(4096)),
    nfs(7, (w) => w.opaque(fh).uint64(0n).uint32(5).uint32(0).opaque(Buffer.from("hello"))),
    nfs(8, (w) => {
      w.opaque(fh).string("fuzz-a").uint32(0);
      sattrNone(w);
    }),
    nfs(9, (w) => {
      w.opaque(fh).string("fuzz-d");
      sattrNone(w);
    }),
    nfs(10, (w) => {
      w.opaque(fh).string("fuzz-l");
      sattrNone(w);
      w.string("target");
    }),
    nfs(11, (w) => {
      w.opaque(fh).string("fuzz-n").uint32(6);
    }),
    nfs(12, named("fuzz-a")),
    nfs(13, named("fuzz-d")),
    nfs(14, (w) => w.opaque(fh).string("fuzz-a").opaque(fh).string("fuzz-b")),
    nfs(15, (w) => w.opaque(fh).string("fuzz-a").opaque(fh).string("fuzz-h")),
    nfs(16, (w) => w.opaque(fh).uint64(0n).fixedOpaque(Buffer.alloc(8)).uint32(4096)),
    nfs(17, (w) => w.opaque(fh).uint64(0n).fixedOpaque(Buffer.alloc(8)).uint32(4096).uint32(16384)),
    nfs(18, fhArg),
    nfs(19, fhArg),
    nfs(20, fhArg),
    nfs(21, (w) => w.opaque(fh).uint64(0n).uint32(0)),
    (xid) => call(MOUNT_PROG, 3, 1, xid, (w) => w.string("/export")),
    (xid) => call(MOUNT_PROG, 3, 2, xid, () => {}),
    (xid) => call(MOUNT_PROG, 3, 3, xid, (w) => w.string("/export")),
    (xid) => call(MOUNT_PROG, 3, 5, xid, () => {}),
    (xid) => call(NLM_PROG, 4, 1, xid, (w) => nlmLock(w.opaque(Buffer.from("c")).bool(true), fh)),
    (xid) =>
      call(NLM_PROG, 4, 2, xid, (w) => {
        nlmLock(w.opaque(Buffer.from("c")).bool(false).bool(true), fh);
        w.bool(false).uint32(1);
      }),
    (xid) => call(NLM_PROG, 4, 3, xid, (w) => nlmLock(w.opaque(Buffer.from("c")).bool(false).bool(true), fh)),
    (xid) => call(NLM_PROG, 4, 4, xid, (w) => nlmLock(w.opaque(Buffer.from("c")), fh)),
    (xid) => call(NLM_PROG, 4, 23, xid, (w) => w.string("fuzz").uint32(1)),
  ];
}

// ---- SMB2 ------------------------------------------------------------------------------------

const FID = { persistent: 0xffffffffffffffffn, volatile: 0xffffffffffffffffn };

function smbSeeds(): [number, Buffer][] {
  const f: FileId = FID;
  return [
    [C.SMB2_CREATE, B.createBody("fuzz.txt")],
    [C.SMB2_CLOSE, B.closeBody(f)],
    [C.SMB2_FLUSH, B.flushBody(f)],
    [C.SMB2_READ, B.readBody(f, 0n, 4096)],
    [C.SMB2_WRITE, B.writeBody(f, 0n, Buffer.from("hello"))],
    [C.SMB2_QUERY_DIRECTORY, B.queryDirBody(f, 37, "*")],
    [C.SMB2_QUERY_INFO, B.queryInfoBody(f, 1, 5)],
    [C.SMB2_SET_INFO, B.setInfoBody(f, 1, 20, Buffer.alloc(8))],
    [C.SMB2_LOCK, B.lockBody(f, [{ offset: 0n, length: 10n, flags: 2 }])],
    [C.SMB2_CHANGE_NOTIFY, B.changeNotifyBody(f, 0x17)],
    [C.SMB2_ECHO, Buffer.from([4, 0, 0, 0])],
  ];
}

// ---- driver ----------------------------------------------------------------------------------

type Daemon = DaemonProcess;

export const startDaemon = (): Promise<Daemon> => startDaemonProcess();

async function clientsWork(d: Daemon, nfsVersion: 3 | 4): Promise<string | null> {
  const url = `nfs://127.0.0.1/export/?version=${nfsVersion}&nfsport=${d.nfs}&mountport=${d.nfs}`;
  try {
    await run("nfs-ls", [url], { timeout: 10_000 });
    await run(
      "smbclient",
      ["//127.0.0.1/export", "-p", String(d.smb), "-U", `admin%${PASSWORD}`, "-c", "ls"],
      {
        timeout: 10_000,
      },
    );
    return null;
  } catch (e) {
    const err = e as Error & { stdout?: string; stderr?: string };
    const said = `${err.stdout ?? ""} ${err.stderr ?? ""}`.replace(/\s+/g, " ").trim();
    return `${String(err.message).split("\n")[0]!.slice(0, 100)}: ${said.slice(-160)}`;
  }
}

function rawSocket(port: number): Promise<Socket> {
  return new Promise((res, rej) => {
    const s = connect({ port, host: "127.0.0.1", localAddress: FUZZ_ADDRESS }, () => res(s));
    s.once("error", rej);
    s.on("data", () => {});
  });
}

async function rootHandle(port: number): Promise<Buffer> {
  const c = await RpcClient.connect(port);
  try {
    const r = await c.call(MOUNT_PROG, 3, 1, (w) => w.string("/export"));
    r.uint32();
    return Buffer.from(r.opaque(64));
  } finally {
    c.close();
  }
}

async function smbSession(port: number): Promise<Socket> {
  const c = await SmbTestClient.login(port, "admin", PASSWORD, "export", undefined, FUZZ_ADDRESS);
  // The fuzzer writes raw frames on the logged-on connection; the test client's reader discards
  // responses nobody waits for.
  const socket = (c as unknown as { socket: Socket }).socket;
  (socket as Socket & { sessionId?: bigint; treeId?: number }).sessionId = c.sessionId;
  (socket as Socket & { sessionId?: bigint; treeId?: number }).treeId = c.treeId;
  return socket;
}

function smbFrame(lane: Lane, command: number, body: Buffer, id: bigint, rand: () => number): Buffer {
  const s = lane.socket as (Socket & { sessionId?: bigint; treeId?: number }) | null;
  const header = encodeHeader({
    CreditCharge: 1,
    Status: 0,
    Command: command,
    Credits: 8,
    Flags: 0,
    NextCommand: 0,
    MessageId: id,
    TreeId: s?.treeId ?? 0,
    AsyncId: 0n,
    SessionId: s?.sessionId ?? 0n,
    Signature: Buffer.alloc(16),
  });
  // The header's protocol id stays intact most of the time so the body parsers are reached.
  const msg = mutate(Buffer.concat([header, body]), rand, rand() < 0.9 ? 4 : 0);
  return Buffer.concat([transportHeader(msg.length), msg]);
}

/** How often the daemon ran operation `op` (/metrics dittofs_protocol_op_duration_seconds_count). */
async function opCount(d: Daemon, op: string): Promise<number> {
  const text = await (await fetch(`${d.http}/metrics`)).text();
  const line = text
    .split("\n")
    .find((l) => l.startsWith("dittofs_protocol_op_duration_seconds_count") && l.includes(`op="${op}"`));
  return line === undefined ? 0 : Number(line.split(" ").at(-1));
}

/** nfs: NFSv3, MOUNT, NLM; nfs4: v4.0/v4.1 COMPOUND (fuzz-nfs4.ts); smb: SMB2. */
export type Protocol = "nfs" | "nfs4" | "smb";

export async function fuzz(
  d: Daemon,
  protocol: Protocol,
  opts: { frames: number; seed: number; batch: number; log?: (line: string) => void },
): Promise<FuzzResult> {
  const rand = prng(opts.seed);
  const result: FuzzResult = {
    protocol,
    frames: 0,
    closedByServer: 0,
    answered: null,
    crashes: 0,
    peakRssBytes: rssBytes(d.pid),
    clientFailures: [],
    seed: opts.seed,
  };
  const fh = protocol === "nfs" ? await rootHandle(d.nfs) : Buffer.alloc(0);
  const rpc = rpcSeeds(fh);
  const smb = smbSeeds();
  const lanes = Array.from(
    { length: CONNECTIONS },
    () =>
      new Lane(
        () => (protocol === "smb" ? smbSession(d.smb) : rawSocket(d.nfs)),
        protocol === "nfs4" ? NFS4_WINDOW : 0,
      ),
  );
  const v4 = protocol === "nfs4" ? await Nfs4Fuzz.start(d.nfs, CONNECTIONS, rand) : null;
  let id = 10n;
  try {
    while (result.frames < opts.frames) {
      const batchEnd = Math.min(opts.frames, result.frames + opts.batch);
      for (; result.frames < batchEnd; result.frames++) {
        const lane = lanes[result.frames % lanes.length]!;
        if (v4 !== null) {
          await lane.send(v4.frame(result.frames % lanes.length, result.frames + 1), rand);
        } else if (protocol === "nfs") {
          const rec = rpc[Math.floor(rand() * rpc.length)]!(result.frames + 1);
          // The xid (first word) is kept; everything after it is fair game.
          await lane.send(frameRecord(mutate(rec, rand, 4), rand), rand);
        } else {
          const [command, body] = smb[Math.floor(rand() * smb.length)]!;
          id += 1n;
          await lane.send(smbFrame(lane, command, body, id, rand), rand);
        }
      }
      result.peakRssBytes = Math.max(result.peakRssBytes, rssBytes(d.pid));
      if (rssBytes(d.pid) === 0) {
        result.crashes += 1;
        break;
      }
      let failure = await clientsWork(d, protocol === "nfs4" ? 4 : 3);
      if (failure?.includes("NT_STATUS_SHARING_VIOLATION")) {
        // A mutated CREATE can hold the share root open denying reads (ShareAccess 0): a sharing
        // violation is the right answer while that session lives (MS-SMB2 3.3.5.9, MS-FSA 2.1.5.1.2),
        // so the fuzzing sessions end and the clients must then work.
        await Promise.all(lanes.map((l) => l.end()));
        failure = await clientsWork(d, 3);
      }
      await v4?.resync();
      if (failure !== null) result.clientFailures.push(`after ${result.frames} frames: ${failure}`);
      opts.log?.(
        `${protocol}: ${result.frames} frames, RSS ${(rssBytes(d.pid) / 2 ** 20).toFixed(0)} MiB, clients ${failure ?? "ok"}`,
      );
    }
  } finally {
    result.closedByServer = lanes.reduce((n, l) => n + l.closed, 0);
    for (const l of lanes) l.close();
    v4?.close();
  }
  if (v4 !== null && result.crashes === 0) result.answered = await opCount(d, "nfs4.COMPOUND");
  return result;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      frames: { type: "string", default: "100000" },
      protocols: { type: "string", default: "nfs,nfs4,smb" },
      seed: { type: "string", default: String(Date.now() % 0x7fffffff) },
      batch: { type: "string", default: "5000" },
    },
  });
  const seed = Number(values.seed);
  for (const protocol of values.protocols!.split(",") as Protocol[]) {
    const d = await startDaemon();
    const started = performance.now();
    try {
      const r = await fuzz(d, protocol, {
        frames: Number(values.frames),
        seed,
        batch: Number(values.batch),
        log: (l) => process.stderr.write(`${l}\n`),
      });
      const s = ((performance.now() - started) / 1000).toFixed(0);
      console.log(
        `${protocol}: ${r.frames} frames in ${s} s, ${r.crashes} crashes, ${r.clientFailures.length} client failures, ` +
          `${r.closedByServer} connections closed by the server, ${r.answered === null ? "" : `${r.answered} COMPOUNDs answered, `}peak RSS ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB, seed ${seed}`,
      );
      for (const f of r.clientFailures) console.log(`  ${f}`);
      if (r.crashes > 0 || r.clientFailures.length > 0) process.exitCode = 1;
    } finally {
      await d.stop();
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
