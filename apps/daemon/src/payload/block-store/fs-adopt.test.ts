/**
 * Sealed stages (fs-sealed.ts) and their adoption at open (fs-adopt.ts), bounded: a live store keeps
 * at most its bound of sealed files (a seal past it is refused), and an open verifies at most that
 * bound of what dead processes left, newest first, removing the rest unread and saying so in the log.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FsBlockStore } from "./fs.ts";
import { crcOf, sealedName } from "./fs-sealed.ts";

const KiB = 1024;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-adopt-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A dead process's staging directory (a pid above Linux's pid_max) holding these sealed files, in order. */
async function deadProcess(blocks: [key: string, data: Buffer][]): Promise<void> {
  const d = path.join(dir, ".tmp-staging", `2147483646-${randomBytes(4).toString("hex")}`);
  await mkdir(d, { recursive: true });
  for (const [key, data] of blocks)
    await writeFile(path.join(d, sealedName(key, crcOf([data]), data.length)), data);
}

/** A logger whose lines land in `lines` (parsed). */
function captured(lines: Record<string, unknown>[]): pino.Logger {
  return pino(
    { level: "info" },
    { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) },
  );
}

async function read(store: FsBlockStore, key: string): Promise<Buffer | null> {
  return store.get(key).catch(() => null);
}

describe("sealed stages, bounded", () => {
  it("an open verifies at most the bound, newest first; the rest are removed unread and logged", async () => {
    const blocks = Array.from({ length: 5 }, (_, i): [string, Buffer] => [
      `p${i}/chunk-0/block-1`,
      randomBytes(8 * KiB),
    ]);
    await deadProcess(blocks.slice(0, 3)); // older seals
    await deadProcess(blocks.slice(3)); // newer seals, in another dead process
    const lines: Record<string, unknown>[] = [];
    const store = await new FsBlockStore(dir, {
      logger: captured(lines),
      sealedMax: { files: 3, bytes: 1024 * KiB },
    }).open();
    // The three newest verified and adopted; the two oldest dropped (without a bound: all five).
    for (const [i, [key, data]] of blocks.entries()) {
      expect((await read(store, key))?.equals(data) ?? null).toBe(i >= 2 ? true : null);
    }
    expect(store.adoption).toEqual({ adopted: 3, torn: 0, dropped: 2, droppedBytes: 16 * KiB, stale: 0 });
    expect(lines.find((l) => l.msg === "sealed stages past the bound removed unread")).toMatchObject({
      level: 40,
      dropped: 2,
    });
    expect(await readdir(path.join(dir, ".tmp-staging"))).toHaveLength(1); // this process's only
  });

  it("a bytes bound drops a file claiming more than it, unread; the newest seal of a key wins across processes", async () => {
    const newer = randomBytes(4 * KiB);
    await deadProcess([["k/chunk-0/block-1", randomBytes(4 * KiB)]]);
    await deadProcess([["k/chunk-0/block-1", newer]]);
    const big = path.join(dir, ".tmp-staging", "2147483645-0badf00d");
    await mkdir(big, { recursive: true });
    await writeFile(path.join(big, sealedName("h/chunk-0/block-1", 0, 2 ** 40)), "short"); // a hostile name
    const store = await new FsBlockStore(dir, { sealedMax: { files: 10, bytes: 64 * KiB } }).open();
    expect((await read(store, "k/chunk-0/block-1"))?.equals(newer)).toBe(true);
    expect(await read(store, "h/chunk-0/block-1")).toBeNull();
    expect(store.adoption).toEqual({ adopted: 1, torn: 0, dropped: 1, droppedBytes: 2 ** 40, stale: 1 });
  });

  it("a live store refuses a seal past its bound, and counts a sealed file out once published or removed", async () => {
    const store = await new FsBlockStore(dir, { sealedMax: { files: 2, bytes: 1024 * KiB } }).open();
    const data = [randomBytes(300 * KiB), randomBytes(300 * KiB), randomBytes(300 * KiB)];
    const staged = data.map((d, i) => {
      const s = store.stage!(`s/chunk-0/block-${i + 1}`);
      return { s, d, wrote: s.write(0, [d]) };
    });
    for (const { wrote } of staged) await wrote;
    const [a, b, c] = staged;
    await a!.s.seal!(crcOf([a!.d]), a!.d.length);
    await b!.s.seal!(crcOf([b!.d]), b!.d.length);
    // Past the bound (two files): refused, and the file stays a plain stage that publishes.
    await expect(c!.s.seal!(crcOf([c!.d]), c!.d.length)).rejects.toMatchObject({ code: "EAGAIN" });
    expect(store.sealed.held).toEqual({ files: 2, bytes: 600 * KiB });
    await c!.s.publish();
    await a!.s.publish(); // a sealed file published: counted out
    await b!.s.discard(); // removed: counted out
    expect(store.sealed.held).toEqual({ files: 0, bytes: 0 });
    const d = store.stage!("s/chunk-0/block-9");
    await d.write(0, [randomBytes(500 * KiB)]);
    await expect(d.seal!(1, 500 * KiB)).resolves.toBeUndefined(); // room again
    expect((await read(store, "s/chunk-0/block-3"))?.equals(c!.d)).toBe(true);
    expect((await read(store, "s/chunk-0/block-1"))?.equals(a!.d)).toBe(true);
    expect(await read(store, "s/chunk-0/block-2")).toBeNull();
  });
});
