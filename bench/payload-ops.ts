/** Per-op cost of small READs/WRITEs through PayloadService (memory store, fs store + WAL). */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { FsBlockStore } from "../apps/daemon/src/payload/block-store/fs.ts";
import { MemoryBlockStore } from "../apps/daemon/src/payload/block-store/memory.ts";
import { DefaultPayloadService } from "../apps/daemon/src/payload/service.ts";
import type { BlockStore } from "../apps/daemon/src/payload/types.ts";

const MiB = 1024 * 1024;
const FILE = 64 * MiB;
const OPS = 50_000;

async function run(name: string, store: BlockStore, walDir: string | null): Promise<void> {
  const svc = new DefaultPayloadService({
    logger: pino({ level: "warn" }),
    cacheSizeBytes: 512 * MiB,
    walDir,
    transferConcurrency: 4,
  });
  await svc.addShare("/o", store);
  const big = Buffer.alloc(MiB, 5);
  for (let off = 0; off < FILE; off += MiB) await svc.writeAt("/o", "f", off, big);
  await svc.commit("/o", "f");
  const page = Buffer.alloc(4096, 9);
  let x = 12345;
  const next = () => {
    x = (x * 1103515245 + 12345) >>> 0;
    return (x % (FILE / 4096)) * 4096;
  };
  const r0 = performance.now();
  for (let i = 0; i < OPS; i++) await svc.readAt("/o", "f", next(), 4096);
  const r1 = performance.now();
  for (let i = 0; i < OPS; i++) await svc.writeAt("/o", "f", next(), page);
  const w1 = performance.now();
  console.log(
    `${name}: random 4 KiB read ${((OPS / (r1 - r0)) * 1000).toFixed(0)} ops/s, random 4 KiB write ${((OPS / (w1 - r1)) * 1000).toFixed(0)} ops/s`,
  );
  await svc.close();
}

const dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-ops-"));
await run("memory", new MemoryBlockStore(), null);
await run("fs+wal", await new FsBlockStore(path.join(dir, "b")).open(), path.join(dir, "wal"));
await rm(dir, { recursive: true, force: true });
