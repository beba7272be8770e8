/**
 * In-process cost of one NFSv3 call through the RPC dispatcher (decode, handler, metadata
 * service, encode), without sockets: isolates the JS cost per call from the kernel's.
 *
 *   npx tsx bench/nfs-dispatch.ts [--n 200000] [--stores memory|persistent]
 *   node --cpu-prof --import tsx bench/nfs-dispatch.ts [--only CRT] ...   (then bench/profile-summary.ts)
 *
 * Prints CPU µs per call for GETATTR, LOOKUP, ACCESS, READLINK, a 4 KiB READ, a 4 KiB UNSTABLE
 * WRITE, a COMMIT after one such WRITE (the pair, per call), a CREATE of a name and its REMOVE
 * (the pair, per call; each with a new xid, past the duplicate-request cache) and a READDIRPLUS page (best of 5
 * batches), the heap growth per call between collections, and the bytes allocated per call (a
 * batch of 1,000 with no collection inside; needs --expose-gc to be exact, else approximate).
 * The calls go through one ConnectionCalls, as one connection's calls do.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ConnectionCalls, type RpcDispatcher } from "../apps/daemon/src/protocols/nfs/rpc/dispatcher.ts";
import { encodeCall } from "../apps/daemon/src/protocols/nfs/rpc/message.ts";
import { NfsClient, ok, ROOT_AUTH } from "../apps/daemon/src/protocols/nfs/testing/nfs-client.ts";
import { startNfsServer } from "../apps/daemon/src/protocols/nfs/testing/server.ts";
import { XdrWriter } from "../apps/daemon/src/protocols/nfs/xdr/writer.ts";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "100000" },
    stores: { type: "string", default: "persistent" },
    /** Only the call whose name starts with this (for --cpu-prof). */
    only: { type: "string", default: "" },
  },
});
const NFS_PROGRAM = 100003;
const GETATTR = 1;
const LOOKUP = 3;
const ACCESS = 4;
const READLINK = 5;
const READ = 6;
const WRITE = 7;
const CREATE = 8;
const REMOVE = 12;
const COMMIT = 21;
const READDIRPLUS = 17;
const BATCHES = 5;
const DIR_ENTRIES = 1000;

const dir = mkdtempSync(join(tmpdir(), "dittofs-bench-dispatch-"));
const server = await startNfsServer({
  stores: values.stores === "memory" ? "memory" : { dataDir: dir },
});
const client = await NfsClient.connect(server.port);
const root = ok(await client.mount("/export")).fh!;
ok(await client.create(root, "f"));
client.close();

// The adapter's dispatcher: private, reached for this benchmark only.
const dispatcher = (server.adapter as unknown as { nfsServer: { dispatcher: RpcDispatcher } }).nfsServer
  .dispatcher;
const peer = { address: "127.0.0.1", port: 900 };
// One connection's state, as RpcConnection keeps it between its calls.
const conn = new ConnectionCalls();

function record(proc: number, args: (w: XdrWriter) => void): Buffer {
  const w = encodeCall(new XdrWriter(), { xid: 1, prog: NFS_PROGRAM, vers: 3, proc, auth: ROOT_AUTH });
  args(w);
  return w.toBuffer();
}

const lookupRec = record(LOOKUP, (w) => w.opaque(root).string("f"));
const fileFh = await (async () => {
  const c = await NfsClient.connect(server.port);
  const fh = ok(await c.lookup(root, "f")).fh;
  ok(await c.write(fh, 0, Buffer.alloc(64 * 1024, 7)));
  c.close();
  return fh;
})();
const getattrRec = record(GETATTR, (w) => w.opaque(fileFh));
// READ: 4 KiB of a cached 64 KiB file (nfsbench's random reads, one call each).
const readRec = record(READ, (w) => w.opaque(fileFh).uint64(8192n).uint32(4096));
const accessRec = record(ACCESS, (w) => w.opaque(fileFh).uint32(0x3f));
// WRITE: 4 KiB UNSTABLE into the same file (a random writer's call); COMMIT after each one.
const page = Buffer.alloc(4096, 9);
const writeRec = record(WRITE, (w) => w.opaque(fileFh).uint64(4096n).uint32(4096).uint32(0).opaque(page));
const commitRec = record(COMMIT, (w) => w.opaque(fileFh).uint64(0n).uint32(0));

// READDIRPLUS: the first page (libnfs's dircount/maxcount of 8 KiB, ~48 entries) of 1,000 files.
const caller = { uid: 0, gid: 0, gids: [] };
const md = server.ctx.metadata;
const dirFh = (await md.mkdir(caller, md.rootHandle("/export"), "d", {})).handle;
for (let i = 0; i < DIR_ENTRIES; i++) {
  await md.create(caller, dirFh, `f${String(i).padStart(6, "0")}`, {}, { mode: "unchecked" });
}
// CREATE (UNCHECKED, mode 0644) of "c" in the root and its REMOVE: a small file's metadata calls.
const createRec = record(CREATE, (w) =>
  w
    .opaque(root)
    .string("c")
    .uint32(0)
    .bool(true)
    .uint32(0o644)
    .uint32(0)
    .uint32(0)
    .uint32(0)
    .uint32(0)
    .uint32(0),
);
const removeRec = record(REMOVE, (w) => w.opaque(root).string("c"));
const linkFh = (await md.symlink(caller, md.rootHandle("/export"), "l", "some/target", {})).handle;
const readlinkRec = record(READLINK, (w) => w.opaque(linkFh));
const readdirplusRec = record(READDIRPLUS, (w) =>
  w.opaque(dirFh).uint64(0n).fixedOpaque(Buffer.alloc(8)).uint32(8192).uint32(8192),
);

let xid = 1;

async function time(name: string, rec: Buffer | Buffer[], n: number): Promise<void> {
  if (!name.startsWith(values.only)) return;
  const recs = Array.isArray(rec) ? rec : [rec];
  const call = async () => {
    for (const r of recs) {
      r.writeUInt32BE(++xid, 0); // non-idempotent calls: not a retransmission for the DRC
      await dispatcher.dispatch(r, peer, conn);
    }
  };
  let best = Number.POSITIVE_INFINITY;
  let heapPerCall = 0;
  for (let b = 0; b < BATCHES; b++) {
    (globalThis as { gc?: () => void }).gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    // CPU time, not wall time: on a shared machine the process is often not running.
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) await call();
    const c = process.cpuUsage(c0);
    const us = (c.user + c.system) / n;
    heapPerCall = (process.memoryUsage().heapUsed - heap0) / n;
    best = Math.min(best, us);
  }
  // Bytes allocated per call: a batch small enough that no collection runs inside it.
  (globalThis as { gc?: () => void }).gc?.();
  const small = Math.min(n, 1000);
  const h0 = process.memoryUsage().heapUsed;
  for (let i = 0; i < small; i++) await call();
  const allocated = (process.memoryUsage().heapUsed - h0) / small;
  console.log(
    `${name.padEnd(9)} ${best.toFixed(2)} CPU µs/call (best of ${BATCHES} × ${n}), heap +${heapPerCall.toFixed(0)} B/call, ~${allocated.toFixed(0)} B allocated/call`,
  );
}

try {
  const n = Number(values.n);
  await time("GETATTR", getattrRec, n);
  await time("LOOKUP", lookupRec, n);
  await time("ACCESS", accessRec, n);
  await time("READLINK", readlinkRec, n);
  await time("READ 4K", readRec, n);
  await time("WRITE 4K", writeRec, Math.ceil(n / 4));
  await time("WR+COMMIT", [writeRec, commitRec], Math.ceil(n / 10));
  await time("CRT+RMV", [createRec, removeRec], Math.ceil(n / 10));
  await time("RDIRPLUS", readdirplusRec, Math.ceil(n / 40));
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
