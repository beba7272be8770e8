import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { describeBlockStore } from "./conformance.ts";
import { FsBlockStore } from "./fs.ts";

describeBlockStore("fs", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-fsblocks-"));
  return {
    store: await new FsBlockStore(dir).open(),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe("fs block store layout", () => {
  it("keeps one file per block under its directory and leaves no temp files", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-fsblocks-"));
    const store = await new FsBlockStore(dir).open();
    await Promise.all([0, 1, 2].map((b) => store.put(`pay/chunk-0/block-${b}`, Buffer.alloc(10, b))));
    expect((await readdir(path.join(dir, "pay", "chunk-0"))).sort()).toEqual([
      "block-0",
      "block-1",
      "block-2",
    ]);
    await rm(dir, { recursive: true, force: true });
  });
});
