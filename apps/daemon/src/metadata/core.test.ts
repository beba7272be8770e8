/**
 * Handle → share resolution (ServiceCore.target) with its last-share shortcut: alternating shares
 * resolve to their own trees, and a removed share's handles are stale even when its share was
 * the last one resolved. GETATTR and READ's metadata answer without an async frame when the store
 * answers synchronously (ServiceCore.loadNow), LOOKUP's too, with the same checks, and through a promise when not.
 */
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { settledInOneTick } from "../domain/testing/settled.ts";
import { checkHandle, decodeHandle, encodeHandle, sameKey, shareKey } from "./handle.ts";
import type { MetadataStore } from "./metadata-store.ts";
import { DefaultMetadataService } from "./service.ts";
import { MemoryMetadataStore } from "./stores/memory.ts";
import { ALICE, BOB, share } from "./testing/conformance/harness.ts";
import { memoryPayload } from "./testing/memory-payload.ts";

const logger = pino({ level: "silent" });
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

describe("handles", () => {
  it("encode and decode; malformed ones are EBADHANDLE", () => {
    const key = shareKey("/export");
    const h = encodeHandle(key, 7, 42n);
    expect(decodeHandle(h)).toEqual({ key: key.toString("hex"), epoch: 7, fileid: 42n });
    expect(sameKey(h, key)).toBe(true);
    expect(sameKey(h, shareKey("/other"))).toBe(false);
    expect(() => checkHandle(encodeHandle(key, 7, 0n))).toThrow(
      expect.objectContaining({ code: "EBADHANDLE" }),
    );
    expect(() => checkHandle(h.subarray(1))).toThrow(expect.objectContaining({ code: "EBADHANDLE" }));
    const bad = Buffer.from(h);
    bad[0] = 9;
    expect(() => checkHandle(bad)).toThrow(expect.objectContaining({ code: "EBADHANDLE" }));
  });
});

describe("ServiceCore.target", () => {
  it("resolves alternating shares and keeps a removed share's handles stale", async () => {
    const payload = await memoryPayload(logger, ["/export", "/b"]);
    const store = new MemoryMetadataStore();
    const svc = new DefaultMetadataService({ logger });
    closers.push(async () => {
      await store.close();
      await payload.close();
    });
    await svc.addShare(share(), store);
    await svc.addShare(share({ name: "/b" }), store);
    const a = svc.rootHandle("/export");
    const b = svc.rootHandle("/b");
    const fa = await svc.create(ALICE, a, "in-a", {}, { mode: "guarded" });
    const fb = await svc.create(ALICE, b, "in-b", {}, { mode: "guarded" });
    for (let i = 0; i < 3; i++) {
      expect(svc.shareOf(fa.handle).name).toBe("/export");
      expect(svc.shareOf(fb.handle).name).toBe("/b");
      expect((await svc.lookup(ALICE, a, "in-a")).attr.fileid).toBe(fa.attr.fileid);
      await expect(svc.lookup(ALICE, b, "in-a")).rejects.toMatchObject({ code: "ENOENT" });
    }
    // /b was resolved last: removing it must not leave it reachable through the shortcut.
    expect(svc.shareOf(fb.handle).name).toBe("/b");
    await svc.removeShare("/b");
    await expect(svc.getattr(fb.handle)).rejects.toMatchObject({ code: "ESTALE" });
    expect((await svc.getattr(fa.handle)).fileid).toBe(fa.attr.fileid);
    // Added again, the share (same key, same store) serves its old handles.
    await svc.addShare(share({ name: "/b" }), store);
    expect((await svc.getattr(fb.handle)).fileid).toBe(fb.attr.fileid);
  });
});

/** A memory store whose inode reads answer through a promise, as PostgreSQL's do on a cache miss. */
function asyncReads(store: MemoryMetadataStore): MemoryMetadataStore {
  const get = store.getInode.bind(store);
  (store as MetadataStore).getInode = (id) => Promise.resolve(get(id));
  return store;
}

describe("ServiceCore.loadNow", () => {
  for (const sync of [true, false]) {
    it(`getattr, prepareRead, lookupWithDir, access, readlink and prepareWrite keep their checks on a ${sync ? "synchronous" : "promise-answering"} store`, async () => {
      const payload = await memoryPayload(logger, ["/export"]);
      const store = sync ? new MemoryMetadataStore() : asyncReads(new MemoryMetadataStore());
      const svc = new DefaultMetadataService({ logger });
      closers.push(async () => {
        await store.close();
        await payload.close();
      });
      await svc.addShare(share(), store);
      const root = svc.rootHandle("/export");
      const f = await svc.create(ALICE, root, "f", { mode: 0o600 }, { mode: "guarded" });
      const d = await svc.mkdir(ALICE, root, "d", { mode: 0o755 });
      // Synchronous store: already settled, failures included; else still pending after one tick.
      const getattr = svc.getattr(f.handle);
      expect(await settledInOneTick(getattr)).toBe(sync);
      expect((await getattr).fileid).toBe(f.attr.fileid);
      const read = svc.prepareRead(ALICE, f.handle);
      expect(await settledInOneTick(read)).toBe(sync);
      expect((await read).attr.fileid).toBe(f.attr.fileid);
      const refused = svc.prepareRead(BOB, f.handle);
      expect(await settledInOneTick(refused)).toBe(sync);
      await expect(refused).rejects.toMatchObject({ code: "EACCES" });
      await expect(svc.prepareRead(ALICE, d.handle)).rejects.toMatchObject({ code: "EISDIR" });
      const looked = svc.lookupWithDir(BOB, root, "f");
      expect(await settledInOneTick(looked)).toBe(sync);
      expect((await looked).attr.fileid).toBe(f.attr.fileid);
      expect((await svc.lookupWithDir(ALICE, d.handle, "..")).attr.fileid).toBe(
        (await svc.getattr(root)).fileid,
      );
      const access = svc.access(BOB, f.handle, 0x3f);
      expect(await settledInOneTick(access)).toBe(sync);
      expect(await access).toMatchObject({ granted: 0, attr: { fileid: f.attr.fileid } });
      const link = await svc.symlink(ALICE, root, "l", "f/x", {});
      const target = svc.readlink(BOB, link.handle);
      expect(await settledInOneTick(target)).toBe(sync);
      expect(await target).toMatchObject({ target: "f/x", attr: { fileid: link.attr.fileid } });
      const notLink = svc.readlink(ALICE, f.handle);
      expect(await settledInOneTick(notLink)).toBe(sync);
      await expect(notLink).rejects.toMatchObject({ code: "EINVAL" });
      const writing = svc.prepareWrite(BOB, f.handle);
      expect(await settledInOneTick(writing)).toBe(sync);
      await expect(writing).rejects.toMatchObject({ code: "EACCES" });
      const missing = svc.lookupWithDir(ALICE, root, "nope");
      expect(await settledInOneTick(missing)).toBe(sync);
      await expect(missing).rejects.toMatchObject({ code: "ENOENT" });
      await expect(svc.lookupWithDir(ALICE, f.handle, "x")).rejects.toMatchObject({ code: "ENOTDIR" });
      await svc.remove(ALICE, root, "f");
      await expect(svc.getattr(f.handle)).rejects.toMatchObject({ code: "ESTALE" });
      await expect(svc.prepareRead(ALICE, f.handle)).rejects.toMatchObject({ code: "ESTALE" });
    });
  }
});
