/**
 * Share migrations on a real Runtime (SQLite control store, fs block stores, real payload and
 * metadata services): blocks moved while the share is read and written, switched, confirmed,
 * cancelled, resumed after a restart, and the changes refused while a copy runs.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ControlError } from "../control/errors.ts";
import type { MigrationStatus } from "../control/runtime-control.ts";
import type { ControlStore } from "../control/store/control-store.ts";
import { ALICE } from "../metadata/testing/conformance/harness.ts";
import { type FsLayout, LAYOUT_FILE, listKeys } from "../payload/block-store/fs-layout.ts";
import type { Runtime } from "./runtime.ts";
import { runtimeHarness } from "./testing/runtime-harness.ts";

const SHARE = "/moving";
const MiB = 1024 * 1024;

function pattern(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) b.writeUInt32LE((i * 2654435761 + seed) >>> 0, i);
  return b;
}

async function writeFile(runtime: Runtime, name: string, data: Buffer): Promise<string> {
  const md = runtime.context.metadata;
  const file = await md.create(ALICE, md.rootHandle(SHARE), name, {}, { mode: "guarded" });
  const { payloadId } = await md.prepareWrite(ALICE, file.handle);
  await runtime.context.payload.writeAt(SHARE, payloadId, 0, data, "unstable");
  await runtime.context.payload.commit(SHARE, payloadId);
  await md.commitWrite(file.handle, data.length);
  return payloadId;
}

async function until(runtime: Runtime, phases: MigrationStatus["phase"][]): Promise<MigrationStatus> {
  for (;;) {
    const m = runtime.migrations().find((s) => s.share === SHARE);
    if (m !== undefined && phases.includes(m.phase)) return m;
    await sleep(10);
  }
}

/** Block keys of the share's payloads in an fs block store's directory, in whatever layout it has. */
async function blocksIn(dataDir: string, store: string, payloadIds: string[]): Promise<number> {
  const root = join(dataDir, store);
  if (!existsSync(root)) return 0;
  const marker = join(root, LAYOUT_FILE);
  const layout: FsLayout = existsSync(marker) && readFileSync(marker, "utf8").trim() === "2" ? 2 : 1;
  let n = 0;
  for (const id of payloadIds) n += (await listKeys(root, layout, `${id}/`)).length;
  return n;
}

describe("share migration between fs block stores", () => {
  let h: Awaited<ReturnType<typeof runtimeHarness>>;
  let runtime: Runtime;
  let store: ControlStore;
  const files = [pattern(9 * MiB + 123, 1), pattern(70_000, 2), pattern(4 * MiB, 3)];
  let ids: string[] = [];

  beforeEach(async () => {
    h = await runtimeHarness("sqlite");
    ({ runtime, store } = await h.start());
    await runtime.createMetadataStore({ name: "meta", type: "sqlite", config: { path: "meta.db" } });
    await runtime.createBlockStore({ name: "blocks-a", type: "fs", config: { path: "blocks-a" } });
    await runtime.createBlockStore({ name: "blocks-b", type: "fs", config: { path: "blocks-b" } });
    await runtime.createShare({ name: SHARE, metadataStore: "meta", blockStore: "blocks-a" });
    ids = [];
    for (const [i, data] of files.entries()) ids.push(await writeFile(runtime, `f${i}`, data));
  });
  afterEach(() => h.dispose());

  const readAll = (rt: Runtime) =>
    Promise.all(ids.map((id, i) => rt.context.payload.readAt(SHARE, id, 0, files[i]!.length)));

  it("copies, verifies and switches while the share is read and written, keeping the old copy until confirmed", async () => {
    const started = await runtime.startMigration(SHARE, "blocks-b");
    expect([started.from, started.to, started.phase]).toEqual(["blocks-a", "blocks-b", "copying"]);
    // Reads and a rewrite of the middle file's block while the copy runs.
    const rewritten = pattern(70_000, 9);
    let rounds = 0;
    while (runtime.migrations()[0]?.phase !== "switched") {
      const read = await readAll(runtime);
      const want = files.map((f, i) => (i === 1 && rounds > 0 ? rewritten : f));
      expect(read.map((b, i) => b.equals(want[i]!))).toEqual([true, true, true]);
      if (rounds++ === 0) {
        await runtime.context.payload.writeAt(SHARE, ids[1]!, 0, rewritten, "file_sync");
        await runtime.context.payload.commit(SHARE, ids[1]!);
      }
      if (runtime.migrations()[0]?.phase === "failed") throw new Error(runtime.migrations()[0]?.error ?? "");
      await sleep(1);
    }
    files[1] = rewritten;
    const done = await until(runtime, ["switched"]);
    expect(done.files).toEqual({ done: 3, total: 3 });
    expect(done.bytes.done).toBe(done.bytes.total);
    expect(runtime.shareInfos().find((s) => s.name === SHARE)?.blockStore).toBe("blocks-b");
    expect((await store.getShare(SHARE)).blockStore).toBe("blocks-b");
    // Uploads after the switch go to the new store only; the old copy is still whole.
    const before = await blocksIn(h.dataDir, "blocks-a", ids);
    expect(await blocksIn(h.dataDir, "blocks-b", ids)).toBe(before);
    expect(before).toBe(3 + 1 + 1);
    // While unconfirmed the old store cannot be deleted or reconfigured, nor a second move begin.
    const refusal = await runtime.deleteBlockStore("blocks-a").catch((e: ControlError) => e);
    expect((refusal as ControlError).code).toBe("IN_USE");

    await runtime.confirmMigration(SHARE);
    expect(await blocksIn(h.dataDir, "blocks-a", ids)).toBe(0);
    expect(runtime.migrations()).toEqual([]);
    // Served from the new store alone, across a restart.
    ({ runtime } = await h.restart());
    expect((await readAll(runtime)).map((b, i) => b.equals(files[i]!))).toEqual([true, true, true]);
  });

  it("cancels: the share stays on its store, the partial copy is removed", async () => {
    await runtime.startMigration(SHARE, "blocks-b");
    // While the copy runs the share's stores cannot change and the share cannot go.
    const update = await runtime.updateShare({ name: SHARE, readOnly: true }).catch((e: ControlError) => e);
    expect((update as ControlError).code).toBe("IN_USE");
    const cancelled = await runtime.cancelMigration(SHARE);
    expect(cancelled.phase).toBe("cancelled");
    expect(runtime.shareInfos().find((s) => s.name === SHARE)?.blockStore).toBe("blocks-a");
    expect(await blocksIn(h.dataDir, "blocks-b", ids)).toBe(0);
    expect((await readAll(runtime)).map((b, i) => b.equals(files[i]!))).toEqual([true, true, true]);
    const again = await runtime.startMigration(SHARE, "blocks-a").catch((e: ControlError) => e);
    expect([(again as ControlError).code, (again as ControlError).field]).toEqual(["INVALID", "blockStore"]);
  });

  it("resumes a copy interrupted by a restart", async () => {
    await runtime.startMigration(SHARE, "blocks-b");
    ({ runtime } = await h.restart());
    expect(runtime.shareInfos().find((s) => s.name === SHARE)?.blockStore).toBe("blocks-a");
    const done = await until(runtime, ["switched", "failed"]);
    expect([done.phase, done.error]).toEqual(["switched", null]);
    await runtime.confirmMigration(SHARE);
    expect((await readAll(runtime)).map((b, i) => b.equals(files[i]!))).toEqual([true, true, true]);
  });
});
