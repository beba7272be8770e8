import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { MetadataStore } from "./metadata-store.ts";
import { openMetadataStore } from "./registry.ts";
import { DefaultMetadataService } from "./service.ts";
import { ALICE, share } from "./testing/conformance/harness.ts";
import { memoryPayload } from "./testing/memory-payload.ts";

const logger = pino({ level: "silent" });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(store?: MetadataStore) {
  const payload = await memoryPayload(logger, ["/export"]);
  const s = store ?? (await openMetadataStore({ type: "memory" }, { dataDir: "/nonexistent" }));
  const svc = new DefaultMetadataService({ logger });
  cleanups.push(async () => {
    await s.close();
    await payload.close();
  });
  return { svc, store: s };
}

describe("DefaultMetadataService shares", () => {
  it("adds, updates and removes shares; handles of a removed share are stale", async () => {
    const { svc, store } = await setup();
    await svc.addShare(share(), store, { mode: 0o755, uid: 1000, gid: 100 });
    await expect(svc.addShare(share(), store)).rejects.toMatchObject({ code: "EEXIST" });
    const root = svc.rootHandle("/export");
    expect(await svc.getattr(root)).toMatchObject({ mode: 0o755, uid: 1000, gid: 100 });
    svc.updateShare(share({ readOnly: true }));
    expect(svc.shareOf(root).readOnly).toBe(true);
    expect(() => svc.updateShare(share({ name: "/nope" }))).toThrow(
      expect.objectContaining({ code: "ENOENT" }),
    );
    await svc.removeShare("/export");
    await expect(svc.getattr(root)).rejects.toMatchObject({ code: "ESTALE" });
    expect(() => svc.shareOf(root)).toThrow(expect.objectContaining({ code: "ESTALE" }));
    // Re-adding finds the existing root instead of making a new one.
    await svc.addShare(share(), store);
    expect(svc.rootHandle("/export").equals(root)).toBe(true);
  });

  it("gives each share of one store its own fsid and tree", async () => {
    const { svc, store } = await setup();
    await svc.addShare(share(), store);
    await svc.addShare(share({ name: "/b" }), store);
    const a = await svc.getattr(svc.rootHandle("/export"));
    const b = await svc.getattr(svc.rootHandle("/b"));
    expect(a.fsid).not.toBe(b.fsid);
    expect(a.fileid).not.toBe(b.fileid);
  });

  it("routes locks by handle to the share's lock manager", async () => {
    const { svc, store } = await setup();
    await svc.addShare(share(), store);
    const root = svc.rootHandle("/export");
    const f = await svc.create(ALICE, root, "f", {}, { mode: "guarded" });
    const g = await svc.create(ALICE, root, "g", {}, { mode: "guarded" });
    await svc.lock(f.handle, { owner: "smb:1", kind: "exclusive", offset: 0n, length: 10n }, false);
    expect(svc.testLock(f.handle, { owner: "smb:2", kind: "shared", offset: 5n, length: 1n })).toMatchObject({
      owner: "smb:1",
    });
    expect(svc.testLock(g.handle, { owner: "smb:2", kind: "shared", offset: 5n, length: 1n })).toBeNull();
    const waiting = svc.lock(f.handle, { owner: "smb:2", kind: "shared", offset: 0n, length: 1n }, true);
    svc.unlockAll("smb:1");
    await waiting;
    svc.unlock(f.handle, { owner: "smb:2", offset: 0n, length: 1n });
    expect(svc.testLock(f.handle, { owner: "x", kind: "exclusive", offset: 0n, length: 0n })).toBeNull();
    await expect(
      svc.lock(Buffer.alloc(3), { owner: "x", kind: "shared", offset: 0n, length: 1n }, false),
    ).rejects.toThrow();
  });
});

describe("openMetadataStore", () => {
  it("opens sqlite under the data dir by default and keeps the epoch across opens", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dittofs-reg-"));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const a = await openMetadataStore({ type: "sqlite" }, { dataDir: dir });
    const epoch = a.epoch;
    expect(a.type).toBe("sqlite");
    expect((await a.health()).ok).toBe(true);
    await a.close();
    const b = await openMetadataStore(
      { type: "sqlite", path: join(dir, "metadata.sqlite") },
      { dataDir: "/x" },
    );
    expect(b.epoch).toBe(epoch);
    await b.close();
  });

  it("rejects a postgres store without a url and an unknown type", async () => {
    await expect(openMetadataStore({ type: "postgres" }, { dataDir: "/x" })).rejects.toMatchObject({
      code: "EINVAL",
    });
    await expect(openMetadataStore({ type: "nope" as "memory" }, { dataDir: "/x" })).rejects.toMatchObject({
      code: "EINVAL",
    });
  });
});
