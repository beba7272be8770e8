/**
 * Files a CLOSE sealed (docs/payload.md "CLOSE") across a failed publish and a kill: the sealed
 * file is what a restart adopts until the block's bytes are stored, and a TRUNCATE after the CLOSE
 * still cuts what was adopted. A kill is a copy of the data directory taken at that moment (the
 * page cache survives a SIGKILL: every file reads as the process left it), its staging directory
 * renamed to a pid no process has; a service opened on the copy is the restart.
 */
import { cp, mkdtemp, readdir, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { prng, randomFill } from "../domain/testing/prng.ts";
import type { DefaultPayloadService } from "./service.ts";
import type { FaultyBlockStore } from "./testing/faulty-store.ts";
import { openFsService } from "./testing/fs-service.ts";
import { listKeys, waitFor } from "./testing/wait.ts";

const MiB = 1024 * 1024;
const S = "/sealed";
let dir: string;
const services: DefaultPayloadService[] = [];
/** Files standing where a payload's directory goes (sealedThenPublishFails): gone before the close. */
const obstacles: string[] = [];

async function open(
  root: string,
  storeOpts?: Parameters<typeof openFsService>[4],
): Promise<{ svc: DefaultPayloadService; store: FaultyBlockStore }> {
  const opened = await openFsService(root, S, path.join(root, "wal"), 64 * MiB, storeOpts);
  services.push(opened.svc);
  return opened;
}

const bytes = (n: number, seed: number) => randomFill(prng(seed), Buffer.allocUnsafe(n));

/** The data directory as a SIGKILL now would leave it, under `dir/<name>` (see the header). */
async function killedCopy(name: string): Promise<string> {
  const to = path.join(dir, name);
  for (const d of ["blocks", "wal"]) await cp(path.join(dir, d), path.join(to, d), { recursive: true });
  await asDead(path.join(to, "blocks", ".tmp-staging"));
  return to;
}

/** The staging directories under `staging` renamed as a dead process's (a pid above Linux's pid_max). */
async function asDead(staging: string): Promise<void> {
  for (const d of await readdir(staging)) {
    await rename(path.join(staging, d), path.join(staging, `2147483646-${d.split("-")[1]}`));
  }
}

/** Files a CLOSE sealed in the live store (fs-sealed.ts names: not temp names). */
async function sealedFiles(root = dir): Promise<number> {
  const entries = await readdir(path.join(root, "blocks", ".tmp-staging"), {
    recursive: true,
    withFileTypes: true,
  });
  return entries.filter((e) => e.isFile() && !e.name.startsWith(".tmp-")).length;
}

/**
 * Block 1 of a new file `id` written (staged frame by frame) and sealed by a CLOSE, then its publish
 * failing inside the store: a regular file stands where the payload's directory goes (layout 2
 * keeps a file's first block in a shard, the others under `<root>/<id>/`), so the publish's rename
 * fails, and so does every whole put after it, until `mend()`.
 */
async function sealedThenPublishFails(
  svc: DefaultPayloadService,
  store: FaultyBlockStore,
  id: string,
): Promise<{ data: Buffer; mend: () => Promise<void> }> {
  svc.created(S, id);
  // Frames of their own (adopted by the cache): each staged as it arrives.
  const frames = Array.from({ length: 4 }, (_, i) => bytes(MiB, 10 * id.length + i));
  for (const [i, f] of frames.entries()) {
    await svc.writeAt(S, id, (4 + i) * MiB, f);
    await waitFor(() => store.stageWrites === i + 1, `frame ${i} staged`);
  }
  const data = Buffer.concat(frames);
  await svc.closeFile(S, id);
  expect(store.seals).toBe(1);
  const obstacle = path.join(dir, "blocks", id);
  await writeFile(obstacle, "not a directory");
  obstacles.push(obstacle);
  // The COMMIT's publish fails, then its whole puts: it answers EIO, the upload keeps retrying.
  await expect(svc.commit(S, id)).rejects.toMatchObject({ code: "EIO" });
  expect(store.publishes).toBe(1);
  const mend = async () => {
    obstacles.splice(obstacles.indexOf(obstacle), 1);
    await rm(obstacle);
  };
  return { data, mend };
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-sealed-"));
});
afterEach(async () => {
  for (const o of obstacles.splice(0)) await rm(o); // else the close's puts retry forever
  for (const s of services.splice(0)) await s.close();
  await rm(dir, { recursive: true, force: true });
});

describe("a file a CLOSE sealed, a failed publish and a kill", () => {
  it("survives a kill while the block's whole put after a failed publish is not stored yet", async () => {
    // Before: the failed publish removed the sealed file at once, and a kill before the whole put
    // returned lost the bytes the CLOSE had acknowledged (the restart read zeros).
    const { svc, store } = await open(dir);
    const { data, mend } = await sealedThenPublishFails(svc, store, "k");
    expect(await sealedFiles()).toBe(1);
    const killed = await killedCopy("killed");
    await rm(path.join(killed, "blocks", "k")); // the disk mended by the restart
    const { svc: restarted } = await open(killed);
    expect((await restarted.readAt(S, "k", 4 * MiB, 4 * MiB)).equals(data)).toBe(true);
    // In the live process, the put is stored once the disk is mended, and only then the sealed file goes.
    await mend();
    await waitFor(async () => (await sealedFiles()) === 0, "the sealed file removed after the put");
    expect((await store.inner.get("k/chunk-0/block-1")).equals(data)).toBe(true);
  });

  it("a sealed file kept after a failed publish is never adopted over a later truncate", async () => {
    // Adoption runs before the WAL replay and only fills absent keys; the TRUNCATE after the CLOSE
    // replays over what it adopted. The kept sealed file must not outlive that record.
    const { svc, store } = await open(dir);
    const { data, mend } = await sealedThenPublishFails(svc, store, "t");
    await svc.truncate(S, "t", 4 * MiB + 100); // synced: in the WAL before it returns
    const killed = await killedCopy("killed-after-truncate");
    await rm(path.join(killed, "blocks", "t"));
    const { svc: restarted } = await open(killed);
    const want = Buffer.concat([data.subarray(0, 100), Buffer.alloc(4 * MiB - 100)]);
    expect((await restarted.readAt(S, "t", 4 * MiB, 4 * MiB)).equals(want)).toBe(true);
    // Live: the put, then the sealed file's removal, then the truncate's rewrite; then the WAL goes.
    await mend();
    await waitFor(async () => (await sealedFiles()) === 0, "the sealed file removed");
    await svc.truncate(S, "t", 0);
    await waitFor(async () => (await listKeys(store.inner, "t/")).length === 0, "the truncate's GC");
    const later = await killedCopy("killed-later");
    const { svc: again, store: againStore } = await open(later);
    expect((await again.readAt(S, "t", 4 * MiB, 4 * MiB)).equals(Buffer.alloc(4 * MiB))).toBe(true);
    expect(await listKeys(againStore.inner, "t/")).toEqual([]);
  });

  it("a CLOSE past the store's bound of sealed files commits instead, and loses nothing", async () => {
    // Each sealed file a kill leaves is read whole and fdatasynced by the next start: a process
    // keeps a bounded number (fs-sealed.ts). Before, nothing bounded them.
    const { svc, store } = await open(dir, { sealedMax: { files: 1, bytes: 64 * MiB } });
    const written = new Map<string, Buffer>();
    for (const id of ["a", "b"]) {
      svc.created(S, id);
      const frames = Array.from({ length: 4 }, (_, i) => bytes(MiB, 40 + 10 * id.length + i));
      for (const [i, f] of frames.entries()) {
        await svc.writeAt(S, id, i * MiB, f);
        await waitFor(() => store.stageWrites === 4 * written.size + i + 1, `${id} frame ${i} staged`);
      }
      written.set(id, Buffer.concat(frames));
    }
    await svc.closeFile(S, "a");
    await svc.closeFile(S, "b"); // its seal refused: published (fdatasync, rename) as a COMMIT does
    expect(store.seals).toBe(1);
    expect(store.publishes).toBe(1);
    expect(await sealedFiles()).toBe(1);
    expect((await store.inner.get("b/chunk-0/block-0")).equals(written.get("b")!)).toBe(true);
    const { svc: restarted } = await open(await killedCopy("killed"));
    for (const [id, data] of written)
      expect((await restarted.readAt(S, id, 0, 4 * MiB)).equals(data)).toBe(true);
  });

  it("a sealed file is still published after a truncate that cuts none of the bytes it holds", async () => {
    // The publish compares each slice's content generation (Slice.gen), which only a cut of the
    // slice changes. Before, any truncate of the block since the stage began (BlockStage's
    // truncateGen) made the upload put the block whole, a second write of every byte.
    const { svc, store } = await open(dir);
    svc.created(S, "x");
    const frames = [bytes(MiB, 90), bytes(MiB, 91)];
    for (const [i, f] of frames.entries()) {
      await svc.writeAt(S, "x", i * MiB, f);
      await waitFor(() => store.stageWrites === i + 1, `frame ${i} staged`);
    }
    await svc.closeFile(S, "x");
    expect(store.seals).toBe(1);
    await svc.truncate(S, "x", 3 * MiB); // the file grows within the block: nothing is cut
    await svc.commit(S, "x");
    expect(store.publishes).toBe(1); // 0 before: put whole
    expect(store.puts).toBe(1); // the publish; nothing put whole
    const data = Buffer.concat(frames);
    expect((await store.inner.get("x/chunk-0/block-0")).equals(data)).toBe(true);
    const want = Buffer.concat([data, Buffer.alloc(MiB)]);
    expect((await svc.readAt(S, "x", 0, 3 * MiB)).equals(want)).toBe(true);
  });

  it("a stop that cannot store a CLOSE's writes leaves the sealed file for the next start", async () => {
    // Before, the stop removed every sealed file: with the disk failing, bytes a CLOSE acknowledged
    // were lost to a graceful stop that a kill would have kept.
    const { svc, store } = await open(dir);
    const { data, mend } = await sealedThenPublishFails(svc, store, "z");
    services.splice(services.indexOf(svc), 1);
    // Its COMMIT of z fails (logged): the block is not stored. (Before, the stop then hung: its
    // second try queued uploads on the closed transfer manager and waited for them without end.)
    await svc.close();
    expect(await sealedFiles()).toBe(1);
    await mend();
    await asDead(path.join(dir, "blocks", ".tmp-staging"));
    const { svc: next } = await open(dir); // the next process
    expect((await next.readAt(S, "z", 4 * MiB, 4 * MiB)).equals(data)).toBe(true);
  });
});
