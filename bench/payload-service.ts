/** The payload service the bench/payload-*.ts probes write through: one share "/o" in `dir`. */
import path from "node:path";
import pino from "pino";
import { FsBlockStore } from "../apps/daemon/src/payload/block-store/fs.ts";
import { MemoryBlockStore } from "../apps/daemon/src/payload/block-store/memory.ts";
import { DefaultPayloadService } from "../apps/daemon/src/payload/service.ts";

export const BENCH_SHARE = "/o";

/** fs block store + WAL in `dir`, or (`memory`) a memory store and no WAL; a 1 GiB cache. */
export async function benchPayloadService(
  dir: string,
  memory: boolean,
  transferConcurrency = 4,
): Promise<DefaultPayloadService> {
  const svc = new DefaultPayloadService({
    logger: pino({ level: "warn" }),
    cacheSizeBytes: 1024 * 1024 * 1024,
    walDir: memory ? null : path.join(dir, "wal"),
    transferConcurrency,
  });
  const store = memory ? new MemoryBlockStore() : await new FsBlockStore(path.join(dir, "b")).open();
  await svc.addShare(BENCH_SHARE, store);
  return svc;
}
