/**
 * Handle → share resolution (ServiceCore.target) with its last-share shortcut: alternating shares
 * resolve to their own trees, and a removed share's handles are stale even when its share was
 * the last one resolved.
 */
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { checkHandle, decodeHandle, encodeHandle, sameKey, shareKey } from "./handle.ts";
import { DefaultMetadataService } from "./service.ts";
import { MemoryMetadataStore } from "./stores/memory.ts";
import { ALICE, share } from "./testing/conformance/harness.ts";
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
