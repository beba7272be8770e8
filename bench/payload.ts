/**
 * Payload layer benchmark (issue 5). Prints, from one run on this machine:
 * - sequential write / read MiB/s through PayloadService with memory, fs and S3 (s3rver) block stores
 *   (write = 1 MiB WRITEs + COMMIT acknowledged; "stored" = until every block is in the store;
 *   read cold = fresh service, every block downloaded; read warm = from the cache),
 * - COMMIT latency p50/p99 (4 KiB WRITE + COMMIT) next to raw fdatasync p50/p99 of a 4 KiB append
 *   on the same disk, interleaved in the same loop,
 * - the NFS small-file path through PayloadService with an fs store: per file a 16 KiB WRITE +
 *   COMMIT, then the payload delete of REMOVE (p50/p99 of each, files/s),
 * - S3 upload MiB/s through PayloadService next to a plain PutObject loop (same s3rver, same
 *   4 MiB objects, sequential and with the same concurrency).
 * Usage: npx tsx bench/payload.ts [--mib N]
 */
import { mkdtemp, open, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import pino from "pino";
import { FsBlockStore } from "../apps/daemon/src/payload/block-store/fs.ts";
import { MemoryBlockStore } from "../apps/daemon/src/payload/block-store/memory.ts";
import { S3BlockStore } from "../apps/daemon/src/payload/block-store/s3.ts";
import { DefaultPayloadService } from "../apps/daemon/src/payload/service.ts";
import { FaultyBlockStore } from "../apps/daemon/src/payload/testing/faulty-store.ts";
import type { BlockStore } from "../apps/daemon/src/payload/types.ts";
import { startS3rver } from "../e2e/peers/s3rver.ts";

const MiB = 1024 * 1024;
const argMib = process.argv.indexOf("--mib");
const TOTAL_MIB = argMib > 0 ? Number(process.argv[argMib + 1]) : 128;
const S3_MIB = Math.min(TOTAL_MIB, 64);
const CONCURRENCY = 4;
const COMMIT_SAMPLES = 300;
const SMALL_FILES = 500;
const logger = pino({ level: "warn" });

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
}

function mibps(bytes: number, ms: number): string {
  return ((bytes / MiB / ms) * 1000).toFixed(0);
}

async function waitUploaded(svc: DefaultPayloadService): Promise<void> {
  for (;;) {
    const c = svc.stats().cache;
    if (c.dirtyBytes + c.uploadingBytes === 0) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

function newService(dir: string): DefaultPayloadService {
  return new DefaultPayloadService({
    logger,
    cacheSizeBytes: 256 * MiB,
    walDir: path.join(dir, `wal-${Math.random().toString(36).slice(2)}`),
    transferConcurrency: CONCURRENCY,
  });
}

/** Sequential write + commit, time to stored, cold and warm sequential read. */
async function seqBench(
  name: string,
  store: BlockStore,
  dir: string,
  mib: number,
): Promise<Record<string, string>> {
  const chunk = Buffer.alloc(MiB);
  for (let i = 0; i < chunk.length; i += 4) chunk.writeUInt32LE((i * 2654435761) >>> 0, i);
  const svc = newService(dir);
  await svc.addShare("/b", store);
  const t0 = performance.now();
  for (let i = 0; i < mib; i++) await svc.writeAt("/b", "seq", i * MiB, chunk);
  await svc.commit("/b", "seq");
  const tAck = performance.now();
  await waitUploaded(svc);
  const tStored = performance.now();
  await svc.close();
  const cold = newService(dir);
  await cold.addShare("/b", store);
  const r0 = performance.now();
  for (let i = 0; i < mib; i++) await cold.readAt("/b", "seq", i * MiB, MiB);
  const r1 = performance.now();
  let warmMs = Number.NaN;
  if (mib * MiB <= 200 * MiB) {
    const w0 = performance.now();
    for (let i = 0; i < mib; i++) await cold.readAt("/b", "seq", i * MiB, MiB);
    warmMs = performance.now() - w0;
  }
  await cold.close();
  const bytes = mib * MiB;
  return {
    store: name,
    MiB: String(mib),
    "write+commit MiB/s": mibps(bytes, tAck - t0),
    "write→stored MiB/s": mibps(bytes, tStored - t0),
    "read cold MiB/s": mibps(bytes, r1 - r0),
    "read warm (zero-copy) MiB/s": Number.isNaN(warmMs) ? "-" : mibps(bytes, warmMs),
  };
}

/** Commit latency through the service vs raw fdatasync of an append on the same disk, interleaved. */
async function commitBench(dir: string): Promise<Record<string, string>> {
  const store = await new FsBlockStore(path.join(dir, "commit-blocks")).open();
  const svc = newService(dir);
  await svc.addShare("/c", store);
  const raw = await open(path.join(dir, "raw-fdatasync"), "a");
  const page = Buffer.alloc(4096, 1);
  const commit: number[] = [];
  const fsync: number[] = [];
  for (let i = 0; i < COMMIT_SAMPLES; i++) {
    await svc.writeAt("/c", "c", i * 4096, page);
    const c0 = performance.now();
    await svc.commit("/c", "c");
    commit.push(performance.now() - c0);
    await raw.write(page);
    const f0 = performance.now();
    await raw.datasync();
    fsync.push(performance.now() - f0);
  }
  await raw.close();
  const walFsyncs = svc.stats().wal?.fsyncs ?? 0;
  await svc.close();
  return {
    "commit p50 ms": pct(commit, 0.5).toFixed(3),
    "commit p99 ms": pct(commit, 0.99).toFixed(3),
    "raw fdatasync p50 ms": pct(fsync, 0.5).toFixed(3),
    "raw fdatasync p99 ms": pct(fsync, 0.99).toFixed(3),
    "p50 ratio": (pct(commit, 0.5) / pct(fsync, 0.5)).toFixed(2),
    "fdatasyncs per commit": (walFsyncs / COMMIT_SAMPLES).toFixed(2),
  };
}

/** Small files: WRITE 16 KiB + COMMIT each (uploads and GC of earlier files run meanwhile), then delete. */
async function smallFileBench(dir: string): Promise<Record<string, string>> {
  const store = await new FsBlockStore(path.join(dir, "small-blocks")).open();
  const svc = newService(dir);
  await svc.addShare("/f", store);
  const data = Buffer.alloc(16 * 1024, 3);
  const write: number[] = [];
  const commit: number[] = [];
  const del: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < SMALL_FILES; i++) {
    let t = performance.now();
    await svc.writeAt("/f", `s${i}`, 0, data);
    write.push(performance.now() - t);
    t = performance.now();
    await svc.commit("/f", `s${i}`);
    commit.push(performance.now() - t);
    // REMOVE of an older file, as a build or untar-and-clean workload does.
    if (i >= 16) {
      t = performance.now();
      await svc.delete("/f", `s${i - 16}`);
      del.push(performance.now() - t);
    }
  }
  const ms = performance.now() - t0;
  await svc.close();
  return {
    "files/s": ((SMALL_FILES / ms) * 1000).toFixed(0),
    "write p50 ms": pct(write, 0.5).toFixed(3),
    "commit p50 ms": pct(commit, 0.5).toFixed(3),
    "commit p99 ms": pct(commit, 0.99).toFixed(3),
    "delete p50 ms": pct(del, 0.5).toFixed(3),
    "delete p99 ms": pct(del, 0.99).toFixed(3),
  };
}

/** Upload throughput alone: dirty data piled up behind a held store, then released and drained. */
async function uploadDrainBench(store: BlockStore, dir: string, mib: number): Promise<string> {
  const gated = new FaultyBlockStore(store);
  gated.hold();
  const svc = newService(dir);
  await svc.addShare("/u", gated);
  const chunk = Buffer.alloc(MiB, 9);
  for (let i = 0; i < mib; i++) await svc.writeAt("/u", "drain", i * MiB, chunk);
  await svc.commit("/u", "drain");
  const t0 = performance.now();
  gated.release();
  await waitUploaded(svc);
  const ms = performance.now() - t0;
  await svc.close();
  return mibps(mib * MiB, ms);
}

/** Plain PutObject loop of 4 MiB objects: sequential and with CONCURRENCY in flight. */
async function plainPutBench(client: S3Client, bucket: string, mib: number): Promise<Record<string, string>> {
  const body = Buffer.alloc(4 * MiB, 7);
  const n = mib / 4;
  const s0 = performance.now();
  for (let i = 0; i < n; i++)
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: `plain/s${i}`, Body: body }));
  const s1 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) {
        const i = next++;
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: `plain/c${i}`, Body: body }));
      }
    }),
  );
  const s2 = performance.now();
  return {
    "plain PUT seq MiB/s": mibps(mib * MiB, s1 - s0),
    [`plain PUT x${CONCURRENCY} MiB/s`]: mibps(mib * MiB, s2 - s1),
  };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-bench-payload-"));
  const s3 = await startS3rver();
  try {
    await s3.createBucket("bench");
    const s3cfg = {
      bucket: "bench",
      endpoint: s3.endpoint,
      region: s3.region,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      forcePathStyle: true,
    };
    const rows = [
      await seqBench("memory", new MemoryBlockStore(), dir, TOTAL_MIB),
      await seqBench("fs", await new FsBlockStore(path.join(dir, "blocks")).open(), dir, TOTAL_MIB),
      await seqBench("s3 (s3rver)", new S3BlockStore({ ...s3cfg, prefix: "svc/" }), dir, S3_MIB),
    ];
    console.log("\nSequential I/O through PayloadService (1 MiB requests, same run):");
    console.table(rows);
    const drain = await uploadDrainBench(new S3BlockStore({ ...s3cfg, prefix: "drain/" }), dir, S3_MIB);
    const client = new S3Client(s3.clientConfig());
    const plain = await plainPutBench(client, "bench", S3_MIB);
    client.destroy();
    console.log(`\nS3 upload (same s3rver, ${S3_MIB} MiB of 4 MiB objects):`);
    console.table([
      {
        "PayloadService write→stored MiB/s": rows[2]!["write→stored MiB/s"]!,
        [`PayloadService upload drain x${CONCURRENCY} MiB/s`]: drain,
        ...plain,
      },
    ]);
    console.log(
      `\nCOMMIT latency (4 KiB WRITE + COMMIT) vs raw 4 KiB append + fdatasync, ${COMMIT_SAMPLES} samples, interleaved:`,
    );
    const commit = await commitBench(dir);
    console.table([commit]);
    console.log(
      `\nSmall files (fs store, ${SMALL_FILES} files): 16 KiB WRITE + COMMIT each, delete 16 files behind:`,
    );
    const small = await smallFileBench(dir);
    console.table([small]);
    console.log(JSON.stringify({ sequential: rows, s3Drain: drain, s3Plain: plain, commit, small }));
  } finally {
    await s3.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
