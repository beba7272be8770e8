/**
 * Server CPU of the payload write path alone (no protocol): N MiB of sequential 1 MiB writeAt +
 * a COMMIT every 256 MiB, then 4 KiB UNSTABLE writes to fresh small files (write + COMMIT), on an
 * fs block store with its WAL. Each write gets a fresh buffer, as a received WRITE frame would.
 * Prints process CPU (user + system, threadpool included) per GiB and per 1,000 small files and
 * the wall rate. Run under `node --cpu-prof --import tsx` to see where the time goes.
 *
 * Files are new (PayloadService.created, as an NFS CREATE or SMB CREATE makes them): on the fs
 * store their writes take the write-once path (docs/payload.md); `--journaled` writes through the WAL.
 *
 *   npx tsx bench/payload-write.ts [--mib 512] [--files 2000] [--stores fs|memory] [--journaled]
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { BENCH_SHARE, benchPayloadService } from "./payload-service.ts";

const { values } = parseArgs({
  options: {
    mib: { type: "string", default: "512" },
    files: { type: "string", default: "2000" },
    stores: { type: "string", default: "fs" },
    journaled: { type: "boolean", default: false },
  },
});
const MiB = 1024 * 1024;
const S = BENCH_SHARE;

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}

const dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-pw-"));
const memory = values.stores === "memory";
const svc = await benchPayloadService(dir, memory);
const template = Buffer.alloc(MiB, 7);
const mib = Number(values.mib);

const created = (id: string) => {
  if (!values.journaled) svc.created(S, id);
};
created("seq");
let c0 = process.cpuUsage();
let t0 = performance.now();
for (let i = 0; i < mib; i++) {
  await svc.writeAt(S, "seq", i * MiB, process.env.REUSE ? template : Buffer.from(template));
  if ((i + 1) % 256 === 0 || i + 1 === mib) await svc.commit(S, "seq");
}
const seqWall = (performance.now() - t0) / 1000;
const seqCpu = cpuSeconds(c0);
console.log(
  `seq 1 MiB writes: ${(mib / seqWall).toFixed(0)} MiB/s, CPU ${((seqCpu * 1024) / mib).toFixed(2)} s per GiB`,
);

const files = Number(values.files);
const page = Buffer.alloc(4096, 3);
c0 = process.cpuUsage();
t0 = performance.now();
for (let i = 0; i < files; i++) {
  created(`small${i}`);
  await svc.writeAt(S, `small${i}`, 0, Buffer.from(page));
  await svc.commit(S, `small${i}`);
}
const smallWall = (performance.now() - t0) / 1000;
console.log(
  `small 4 KiB write + COMMIT: ${(files / smallWall).toFixed(0)} files/s, CPU ${((cpuSeconds(c0) * 1000) / files).toFixed(3)} s per 1,000`,
);
await svc.close();
await rm(dir, { recursive: true, force: true });
