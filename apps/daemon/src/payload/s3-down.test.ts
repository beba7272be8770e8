/**
 * A block store that goes away must not lose data: with S3 (s3rver on loopback) stopped, writes and
 * commits still succeed (WAL + cache), uploads fail and retry with backoff; when S3 returns they
 * complete and the objects hold exactly the written bytes.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prng, randomFill } from "../domain/testing/prng.ts";
import type { S3BlockStore } from "./block-store/s3.ts";
import { DefaultPayloadService } from "./service.ts";
import { startTestS3, type TestS3, testS3BlockStore } from "./testing/s3rver.ts";
import { listKeys, waitFor } from "./testing/wait.ts";

const MiB = 1024 * 1024;
const S = "/s3share";
let s3: TestS3;
let dir: string;

beforeAll(async () => {
  s3 = await startTestS3();
  dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-s3down-"));
});
afterAll(async () => {
  await s3.close();
  await rm(dir, { recursive: true, force: true });
});

function s3Store(): S3BlockStore {
  return testS3BlockStore(s3);
}

describe("S3 down", () => {
  it("makes uploads wait and completes them once S3 is back, byte for byte", async () => {
    const store = s3Store();
    const svc = new DefaultPayloadService({
      logger: pino({ level: "silent" }),
      cacheSizeBytes: 64 * MiB,
      walDir: path.join(dir, "wal"),
      transferConcurrency: 4,
      idleUploadMs: 50,
    });
    await svc.addShare(S, store);
    const a = randomFill(prng(42), Buffer.allocUnsafe(9 * MiB + 5));
    await svc.writeAt(S, "up", 0, a);
    await svc.commit(S, "up");
    await waitFor(async () => (await listKeys(store, "up/")).length === 3, "first file uploaded");

    await s3.stop();
    const b = randomFill(prng(43), Buffer.allocUnsafe(6 * MiB));
    await svc.writeAt(S, "down", 0, b);
    await svc.commit(S, "down"); // durable in the WAL; S3 is not needed for that
    await waitFor(() => svc.stats().transfer.failures >= 2, "upload failures while S3 is down");
    const st = svc.stats();
    expect(st.cache.dirtyBytes + st.cache.uploadingBytes).toBeGreaterThanOrEqual(6 * MiB);
    expect(st.transfer.retries).toBeGreaterThan(0);
    expect((await svc.readAt(S, "down", 0, b.length)).equals(b)).toBe(true);

    await s3.start();
    await waitFor(
      () => svc.stats().cache.dirtyBytes + svc.stats().cache.uploadingBytes === 0,
      "uploads after S3 returned",
      30_000,
    );
    const fresh = s3Store();
    expect(await listKeys(fresh, "down/")).toEqual(["down/chunk-0/block-0", "down/chunk-0/block-1"]);
    const stored = Buffer.concat([
      await fresh.get("down/chunk-0/block-0"),
      await fresh.get("down/chunk-0/block-1"),
    ]);
    expect(stored.equals(b)).toBe(true);
    await fresh.close();
    await svc.close();
    await store.close();
  }, 60_000);
});
