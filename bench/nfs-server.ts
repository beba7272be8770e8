/**
 * Starts a DittoFS NFS server for bench/nfs.ts (a separate process so it can run under
 * `node --cpu-prof`): the NFS adapter over the real services, on 127.0.0.1:PORT.
 *
 *   npx tsx bench/nfs-server.ts --port 0 [--stores memory | --data DIR]
 *
 * Prints `READY <port>` once listening; stops cleanly on SIGTERM/SIGINT.
 */
import { parseArgs } from "node:util";
import { startNfsServer } from "../apps/daemon/src/protocols/nfs/testing/server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    stores: { type: "string", default: "persistent" },
    data: { type: "string" },
  },
});

const stores = values.stores === "memory" ? "memory" : { dataDir: values.data ?? "/tmp/dittofs-bench" };
const server = await startNfsServer({
  stores,
  port: Number(values.port),
  cacheSizeBytes: 1024 * 1024 * 1024,
});
process.stdout.write(`READY ${server.port}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`dittofs server-side latency by procedure:\n${server.ctx.metrics.summary()}\n`);
  await server.stop();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
