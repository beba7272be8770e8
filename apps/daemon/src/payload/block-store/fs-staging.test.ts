/**
 * Staging files of the fs store (fs-staging.ts): open descriptors stay bounded however many blocks
 * are being staged (the least recently written idle file is closed and reopened by name), and a
 * write after publish or discard fails instead of writing a file nobody removes. A file being
 * created does not hold other blocks' staging writes behind it, and a COMMIT's publishes fdatasync
 * together.
 */
import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FsBlockStore } from "./fs.ts";
import { FsStagedBlock, STAGE_FDS_MAX, StagingFiles } from "./fs-staging.ts";

describe("fs staging files", () => {
  it("keep at most STAGE_FDS_MAX descriptors open; a closed one reopens and publishes whole", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-staging-"));
    const store = await new FsBlockStore(dir).open();
    const n = STAGE_FDS_MAX + 8;
    const heads = Array.from({ length: n }, () => randomBytes(1000));
    const tails = Array.from({ length: n }, () => randomBytes(500));
    const staged = heads.map((_, i) => store.stage(`p${i}/chunk-0/block-0`));
    for (let i = 0; i < n; i++) {
      await staged[i]!.write(0, [heads[i]!]);
      expect(store.staging.openCount).toBeLessThanOrEqual(STAGE_FDS_MAX);
    }
    // The first files' descriptors were closed: their second writes reopen them by name.
    for (let i = 0; i < n; i++) await staged[i]!.write(1000, [tails[i]!]);
    expect(store.staging.openCount).toBeLessThanOrEqual(STAGE_FDS_MAX);
    for (const s of staged) await s.publish();
    expect(store.staging.openCount).toBe(0);
    for (let i = 0; i < n; i++) {
      const want = Buffer.concat([heads[i]!, tails[i]!]);
      expect((await store.get(`p${i}/chunk-0/block-0`)).equals(want)).toBe(true);
    }
    const spent = store.stage("q/chunk-0/block-0");
    await spent.write(0, [randomBytes(10)]);
    await spent.discard();
    await expect(spent.write(10, [randomBytes(10)])).rejects.toThrow();
    const [own] = await readdir(path.join(dir, ".tmp-staging")); // `<pid>-<token>`, the only one
    expect(await readdir(path.join(dir, ".tmp-staging", own!))).toEqual([]);
    await rm(dir, { recursive: true, force: true });
  });

  it("a staging file being created holds no other block's write", { timeout: 10_000 }, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-staging-"));
    // Block b's create is held (as a create waits for a busy journal) until released.
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let heldOpens = 0;
    const files = new StagingFiles(async (tmp, create) => {
      if (tmp.endsWith("b")) {
        heldOpens++;
        await held;
      }
      return fsp.open(tmp, create ? "w" : "r+", 0o600);
    });
    const staged = (name: string) =>
      new FsStagedBlock(
        files,
        path.join(dir, name),
        async () => {},
        (e) => e as Error,
        { path: () => "", files: null as never },
      );
    const a = staged("a");
    const b = staged("b");
    await a.write(0, [Buffer.from("first ")]);
    const bWrite = b.write(0, [Buffer.from("b")]);
    // a's next write completes while b's create is still held. Before, b held the staging writes'
    // gate through its open, and this await never returned (the test timed out).
    await a.write(6, [Buffer.from("second")]);
    expect(heldOpens).toBe(1);
    expect(await readFile(path.join(dir, "a"), "utf8")).toBe("first second");
    release();
    await bWrite;
    expect(await readFile(path.join(dir, "b"), "utf8")).toBe("b");
    await Promise.all([a.discard(), b.discard()]);
    await rm(dir, { recursive: true, force: true });
  });

  it("publishes fdatasync up to their own bound at once", { timeout: 10_000 }, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-staging-"));
    const n = 8;
    // Every fdatasync is held until all n are in flight.
    let inFlight = 0;
    let allIn!: () => void;
    const together = new Promise<void>((r) => {
      allIn = r;
    });
    const files = new StagingFiles(async (tmp, create) => {
      const fh = await fsp.open(tmp, create ? "w" : "r+", 0o600);
      const datasync = fh.datasync.bind(fh);
      fh.datasync = async () => {
        if (++inFlight === n) allIn();
        await together;
        return datasync();
      };
      return fh;
    }, n);
    const renamed: string[] = [];
    const blocks = Array.from(
      { length: n },
      (_, i) =>
        new FsStagedBlock(
          files,
          path.join(dir, `t${i}`),
          async (tmp) => {
            renamed.push(tmp);
          },
          (e) => e as Error,
          { path: () => "", files: null as never },
        ),
    );
    for (const [i, b] of blocks.entries()) await b.write(0, [Buffer.from(`block ${i}`)]);
    // Before, publishes went through the store's put gate, two at a time: the third fdatasync
    // waited for the first two, which waited for all eight (the test timed out).
    await Promise.all(blocks.map((b) => b.publish()));
    expect(inFlight).toBe(n);
    expect(renamed.sort()).toEqual(blocks.map((_, i) => path.join(dir, `t${i}`)).sort());
    await rm(dir, { recursive: true, force: true });
  });
});
