/**
 * Starts a DittoFS NFS server for bench/nfs.ts (a separate process so it can run under
 * `node --cpu-prof`): the NFS adapter over the real services, on 127.0.0.1:PORT.
 *
 *   npx tsx bench/nfs-server.ts --port 0 [--stores memory | --data DIR] [--loop-delay]
 *
 * `--loop-delay` samples event-loop delay and prints its percentiles at exit. It is off by default:
 * its 1 ms timer wakes the loop a thousand times a second (about 19,000 epoll_pwait per 1,000 small
 * files), which the daemon never does, and at QD1 those wakeups are part of every round trip.
 *
 * Prints `READY <port>` once listening; stops cleanly on SIGTERM/SIGINT.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { startNfsServer } from "../apps/daemon/src/protocols/nfs/testing/server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    stores: { type: "string", default: "persistent" },
    data: { type: "string" },
    "loop-delay": { type: "boolean", default: false },
  },
});

const stores = values.stores === "memory" ? "memory" : { dataDir: values.data ?? "/tmp/dittofs-bench" };
const server = await startNfsServer({
  stores,
  port: Number(values.port),
  cacheSizeBytes: 1024 * 1024 * 1024,
});
// Event-loop stalls (sync work in a store, GC) show up as round-trip outliers for every client.
const loopDelay = values["loop-delay"] ? monitorEventLoopDelay({ resolution: 1 }) : null;
loopDelay?.enable();
process.stdout.write(`READY ${server.port}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`dittofs server-side latency by procedure:\n${server.ctx.metrics.summary()}\n`);
  const ms = (ns: number) => (ns / 1e6).toFixed(1);
  // Received frames taken anew vs reused (domain/buffer-pool.ts): new memory is what V8 collects for.
  process.stderr.write(`receive pool: ${JSON.stringify(server.ctx.receivePool.counters)}\n`);
  if (loopDelay !== null) {
    process.stderr.write(
      `event-loop delay: p50 ${ms(loopDelay.percentile(50))} p99 ${ms(loopDelay.percentile(99))} max ${ms(loopDelay.max)} ms\n`,
    );
  }
  await server.stop();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
