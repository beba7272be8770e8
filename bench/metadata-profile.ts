/**
 * Profiling driver for one backend (not a benchmark): `node --import tsx --cpu-prof
 * bench/metadata-profile.ts sqlite create`. Runs one op kind many times through the service.
 */
import pino from "pino";
import { openMetadataStore } from "../apps/daemon/src/metadata/registry.ts";
import { DefaultMetadataService } from "../apps/daemon/src/metadata/service.ts";
import { MemoryBlockStore } from "../apps/daemon/src/payload/block-store/memory.ts";
import { DefaultPayloadService } from "../apps/daemon/src/payload/service.ts";

const logger = pino({ level: "silent" });
const type = (process.argv[2] ?? "memory") as "memory";
const what = process.argv[3] ?? "create";
const N = Number(process.argv[4] ?? 20000);
const payload = new DefaultPayloadService({
  logger,
  cacheSizeBytes: 1 << 26,
  walDir: null,
  transferConcurrency: 2,
});
await payload.addShare("/export", new MemoryBlockStore());
const svc = new DefaultMetadataService({ logger });
const store = await openMetadataStore({ type }, { dataDir: `/tmp/prof-meta-${process.pid}` });
const share = {
  name: "/export",
  readOnly: false,
  squash: "none" as const,
  anonUid: 1,
  anonGid: 1,
  protocols: { nfs: true, smb: true },
  guest: false,
  metadataStore: "m",
  blockStore: "b",
};
await svc.addShare(share, store);
const root = svc.rootHandle("/export");
const C = { uid: 1000, gid: 1000, gids: [] };
const dir = (await svc.mkdir(C, root, "d", {})).handle;
const t = performance.now();
const cpu0 = process.cpuUsage();
for (let i = 0; i < N; i++) {
  if (what === "create") await svc.create(C, dir, `f${i}`, {}, { mode: "guarded" });
  else await svc.getattr(dir);
}
const cpu = process.cpuUsage(cpu0);
console.log(
  `${what}/s`,
  Math.round(N / ((performance.now() - t) / 1000)),
  `cpu us/op user ${(cpu.user / N).toFixed(1)} sys ${(cpu.system / N).toFixed(1)}`,
);
await store.close();
await payload.close();
