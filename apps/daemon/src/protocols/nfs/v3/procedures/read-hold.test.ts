/**
 * A READ reply holds the receive-pool frames its data points into until the socket write that
 * carries it completed (docs/payload.md "Receive buffers", rpc/connection.ts): then, once the
 * file is deleted, those frames serve the next WRITEs; before, never (reusing memory a queued
 * write still reads would send other bytes).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { uniq, useHarness } from "../../testing/fixtures.ts";
import { makeFile } from "../../testing/harness.ts";
import { NfsClient as Client, type NfsClient, ok } from "../../testing/nfs-client.ts";
import type { TestContext } from "../../testing/server.ts";
import { UNSTABLE } from "../constants.ts";

const MiB = 1024 * 1024;

async function writeFile(c: NfsClient, root: Buffer, name: string, data: Buffer): Promise<Buffer> {
  const fh = await makeFile(c, root, name);
  for (let off = 0; off < data.length; off += MiB)
    ok(await c.write(fh, off, data.subarray(off, off + MiB), UNSTABLE));
  ok(await c.commit(fh));
  return fh;
}

function readBytes(ctx: TestContext): number {
  return ctx.traffic.shares().reduce((n, s) => n + s.readBytes, 0);
}

/** 1 MiB READs of the whole of `fh` on a connection that reads no reply until resumed. */
async function pausedReads(ctx: TestContext, port: number, fh: Buffer, bytes: number) {
  const slow = await Client.connect(port);
  slow.rpc.socket.pause();
  const served = readBytes(ctx) + bytes;
  const reads = Array.from({ length: bytes / MiB }, (_, i) => slow.read(fh, i * MiB, MiB));
  // Every READ was served (its reply queued): the replies the kernel cannot take stay in the process.
  await vi.waitFor(() => expect(readBytes(ctx)).toBeGreaterThanOrEqual(served), { timeout: 20_000 });
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  return { slow, reads };
}

describe("READ replies hold their frames until written", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "nfs-read-hold-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  // An fs block store (it lets go of what it wrote) and a cache holding every file whole.
  const p = useHarness({ stores: { dataDir }, cacheSizeBytes: 96 * MiB });

  it("a file read then deleted hands its frames to the next writes", async () => {
    const { client, root, ctx } = p();
    const name = uniq();
    const a = randomBytes(16 * MiB);
    const fh = await writeFile(client, root, name, a);
    for (let off = 0; off < a.length; off += MiB)
      expect(ok(await client.read(fh, off, MiB)).data.equals(a.subarray(off, off + MiB))).toBe(true);
    ok(await client.remove(root, name));
    const reused = ctx.receivePool.counters.reused;
    await writeFile(client, root, uniq(), randomBytes(16 * MiB));
    // Escaped READ views: 0 reused.
    expect(ctx.receivePool.counters.reused - reused).toBeGreaterThan(12);
  }, 60_000);

  it("a reply a paused peer does not read keeps its bytes while 48 MiB of writes reuse frames", async () => {
    const { client, root, ctx, port } = p();
    const name = uniq();
    const a = randomBytes(24 * MiB);
    const fh = await writeFile(client, root, name, a);
    const { slow, reads } = await pausedReads(ctx, port, fh, a.length);
    ok(await client.remove(root, name));
    const reused = ctx.receivePool.counters.reused;
    for (let i = 0; i < 3; i++) {
      const n = uniq();
      await writeFile(client, root, n, randomBytes(16 * MiB));
      ok(await client.remove(root, n));
    }
    expect(ctx.receivePool.counters.reused - reused).toBeGreaterThan(24);
    slow.rpc.socket.resume();
    const got = await Promise.all(reads);
    for (let i = 0; i < got.length; i++) {
      expect(ok(got[i]!).data.equals(a.subarray(i * MiB, (i + 1) * MiB)), `READ at ${i} MiB`).toBe(true);
    }
    slow.close();
  }, 120_000);

  it("a connection reset with replies queued lets go of each frame exactly once", async () => {
    const { client, root, ctx, port } = p();
    const name = uniq();
    const a = randomBytes(24 * MiB);
    const fh = await writeFile(client, root, name, a);
    const { slow, reads } = await pausedReads(ctx, port, fh, a.length);
    for (const r of reads) r.catch(() => {});
    const c = ctx.receivePool.counters;
    const base = c.returned + c.dropped;
    ok(await client.remove(root, name));
    // The replies still queued keep their frames.
    expect(c.returned + c.dropped - base).toBeLessThan(24);
    slow.rpc.socket.resetAndDestroy();
    // Every one of the file's 24 frames comes back, none twice.
    await vi.waitFor(() => expect(c.returned + c.dropped - base).toBe(24), { timeout: 20_000 });
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(c.returned + c.dropped - base).toBe(24);
    expect(c.overReleased).toBe(0);
  }, 60_000);
});
