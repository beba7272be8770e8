import pino from "pino";
import { openMetadataStore } from "../apps/daemon/src/metadata/registry.ts";
import { DefaultMetadataService } from "../apps/daemon/src/metadata/service.ts";
import { MemoryBlockStore } from "../apps/daemon/src/payload/block-store/memory.ts";
import { DefaultPayloadService } from "../apps/daemon/src/payload/service.ts";

const logger = pino({ level: "silent" });
const type = (process.argv[2] ?? "memory") as "memory";
const payload = new DefaultPayloadService({
  logger,
  cacheSizeBytes: 1 << 26,
  walDir: null,
  transferConcurrency: 2,
});
await payload.addShare("/export", new MemoryBlockStore());
const svc = new DefaultMetadataService({ logger, payload });
const store = await openMetadataStore({ type }, { dataDir: "/tmp/prof-meta-" + process.pid });
await svc.addShare(
  {
    name: "/export",
    readOnly: false,
    squash: "none",
    anonUid: 1,
    anonGid: 1,
    protocols: { nfs: true, smb: true },
    guest: false,
    metadataStore: "m",
    blockStore: "b",
  },
  store,
);
const root = svc.rootHandle("/export");
const C = { uid: 1000, gid: 1000, gids: [] };
const dir = (await svc.mkdir(C, root, "d", {})).handle;
let t = performance.now();
for (let i = 0; i < 5000; i++) await svc.create(C, dir, `f${i}`, {}, { mode: "guarded" });
console.log("create/s", 5000 / ((performance.now() - t) / 1000));
t = performance.now();
for (let j = 0; j < 20; j++) {
  let c = 0n;
  for (;;) {
    const r = await svc.readdir(C, dir, c, null, 256);
    if (r.eof) break;
    c = r.entries.at(-1)!.cookie;
  }
}
console.log("readdir entries/s", (20 * 5000) / ((performance.now() - t) / 1000));
t = performance.now();
for (let i = 0; i < 20000; i++) await svc.lookup(C, dir, `f${i % 5000}`);
console.log("lookup/s", 20000 / ((performance.now() - t) / 1000));
