/**
 * The NFS server of nfs-kernel-crash.test.ts as its own process, so the test's SIGKILL is real:
 * SQLite metadata, fs block store and WAL in <dataDir>, on 127.0.0.1:<port> (0 = any). With
 * `hold`, every block upload waits at a gate that never opens (FaultyBlockStore.hold) and every
 * write is journaled (no write-once, the path of a remote store): COMMITs return once the WAL is
 * synced while the block store receives nothing, which is the window between COMMIT and upload
 * the test kills the daemon in. Without it, the fs store's write-once path: COMMIT puts the blocks.
 * Prints "PORT <n>" once it serves. Usage: node --import tsx nfs-crash-daemon.ts <dataDir> <port> [hold]
 */

import { FaultyBlockStore } from "../../apps/daemon/src/payload/testing/faulty-store.ts";
import { startNfsServer } from "../../apps/daemon/src/protocols/nfs/testing/server.ts";

const CACHE_BYTES = 512 * 1024 * 1024;

async function main(): Promise<void> {
  const [dataDir, portArg, mode] = process.argv.slice(2);
  if (dataDir === undefined || portArg === undefined)
    throw new Error("usage: nfs-crash-daemon <dataDir> <port> [hold]");
  const server = await startNfsServer({
    stores: { dataDir },
    port: Number(portArg),
    cacheSizeBytes: CACHE_BYTES,
    writeOnce: mode !== "hold",
    wrapBlocks: (blocks) => {
      if (mode !== "hold") return blocks;
      const held = new FaultyBlockStore(blocks);
      held.hold();
      return held;
    },
  });
  process.stdout.write(`PORT ${server.port}\n`);
  process.on("SIGTERM", () => {
    void server.stop().then(() => process.exit(0));
  });
}

main().catch((e) => {
  process.stderr.write(`nfs crash daemon failed: ${(e as Error).stack}\n`);
  process.exit(3);
});
