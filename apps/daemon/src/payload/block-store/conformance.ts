/**
 * The one conformance suite every block store passes: `describeBlockStore(name, factory)`.
 * Semantics: put replaces; get of a missing key is ENOENT; ranged get is short at the end of an
 * object and empty past it; delete is idempotent; list is lexical under a prefix; keys that could
 * escape a directory or are not block-key shaped are EINVAL.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isFsError } from "../../domain/errors.ts";
import type { BlockStore } from "../types.ts";

export interface BlockStoreFixture {
  store: BlockStore;
  cleanup?: () => Promise<void>;
}

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const k of it) out.push(k);
  return out;
}

async function errnoOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (e) {
    return isFsError(e) ? e.code : `non-FsError: ${String(e)}`;
  }
}

export function describeBlockStore(name: string, factory: () => Promise<BlockStoreFixture>): void {
  describe(`BlockStore conformance: ${name}`, () => {
    let fx: BlockStoreFixture;
    let store: BlockStore;
    let n = 0;
    const pid = () => `p${Date.now().toString(36)}x${n++}`;

    beforeAll(async () => {
      fx = await factory();
      store = fx.store;
    });
    afterAll(async () => {
      await store.close();
      await fx.cleanup?.();
    });

    it("puts and gets a block byte for byte, and put replaces", async () => {
      const key = `${pid()}/chunk-0/block-0`;
      const a = randomBytes(4 * 1024 * 1024);
      await store.put(key, a);
      expect((await store.get(key)).equals(a)).toBe(true);
      const b = randomBytes(1000);
      await store.put(key, b);
      expect((await store.get(key)).equals(b)).toBe(true);
    });

    it("putv (where the store has it) stores the concatenation of its parts, ranges across them", async () => {
      if (store.putv === undefined) return;
      const key = `${pid()}/chunk-0/block-2`;
      const parts = [randomBytes(1000), Buffer.alloc(0), randomBytes(70_000), randomBytes(7)];
      await store.putv(key, parts);
      const whole = Buffer.concat(parts);
      expect((await store.get(key)).equals(whole)).toBe(true);
      expect((await store.get(key, 990, 71_000)).equals(whole.subarray(990, 71_990))).toBe(true);
      expect((await store.get(key, 71_000, 100)).equals(whole.subarray(71_000))).toBe(true);
    });

    it("stage (where the store has it): positional writes invisible until publish, which replaces the key; discard keeps it", async () => {
      const stage = store.stage?.bind(store);
      if (stage === undefined) return;
      const p = pid();
      const key = `${p}/chunk-0/block-1`;
      const old = randomBytes(500);
      await store.put(key, old);
      const parts = [randomBytes(3000), randomBytes(5)];
      const dropped = stage(key);
      await dropped.write(0, [randomBytes(10)]);
      // Written out of order, a range written twice (the later bytes win), in call order.
      const staged = stage(key);
      const stale = randomBytes(200);
      await Promise.all([
        staged.write(3000, [parts[1]!]),
        staged.write(0, [parts[0]!.subarray(0, 100), stale]),
        staged.write(100, [parts[0]!.subarray(100)]),
      ]);
      const fresh = stage(`${p}/chunk-0/block-2`);
      await fresh.write(0, parts);
      // Staged bytes are never read as a key's content, nor listed (write-behind: not yet durable).
      expect((await store.get(key)).equals(old)).toBe(true);
      expect(await collect(store.list(`${p}/`))).toEqual([key]);
      await dropped.discard();
      expect((await store.get(key)).equals(old)).toBe(true);
      await staged.publish();
      expect((await store.get(key)).equals(Buffer.concat(parts))).toBe(true);
      await fresh.discard();
      expect(await errnoOf(store.get(`${p}/chunk-0/block-2`))).toBe("ENOENT");
      expect(await collect(store.list(`${p}/`))).toEqual([key]);
    });

    it("serves ranges, short at the end and empty past it", async () => {
      const key = `${pid()}/chunk-1/block-3`;
      const a = randomBytes(100_000);
      await store.put(key, a);
      expect((await store.get(key, 10, 20)).equals(a.subarray(10, 30))).toBe(true);
      expect((await store.get(key, 99_990, 100)).equals(a.subarray(99_990))).toBe(true);
      expect((await store.get(key, 5000)).equals(a.subarray(5000))).toBe(true);
      expect((await store.get(key, 200_000, 10)).length).toBe(0);
    });

    it("says ENOENT for a missing key and deletes idempotently", async () => {
      const key = `${pid()}/chunk-0/block-1`;
      expect(await errnoOf(store.get(key))).toBe("ENOENT");
      await store.put(key, Buffer.from("x"));
      await store.delete(key);
      expect(await errnoOf(store.get(key))).toBe("ENOENT");
      expect(await errnoOf(store.delete(key))).toBe("ok");
    });

    it("lists keys under a prefix in lexical order, only that prefix", async () => {
      const p = pid();
      // The first block too: an fs store (layout 2) keeps it apart from the payload's others.
      const keys = [
        `${p}/chunk-0/block-10`,
        `${p}/chunk-0/block-0`,
        `${p}/chunk-0/block-2`,
        `${p}/chunk-1/block-0`,
      ];
      for (const k of keys) await store.put(k, Buffer.from(k));
      await store.put(`${p}x/chunk-0/block-0`, Buffer.from("other payload"));
      expect(await collect(store.list(`${p}/`))).toEqual([...keys].sort());
      expect(await collect(store.list(`${p}/chunk-1/`))).toEqual([`${p}/chunk-1/block-0`]);
      expect(await collect(store.list(`nothing-${p}/`))).toEqual([]);
    });

    it("lists the whole store under the empty prefix, and a payload's first block alone", async () => {
      const p = pid();
      await store.put(`${p}/chunk-0/block-0`, Buffer.from("only block"));
      await store.put(`${p}y/chunk-2/block-1`, Buffer.from("no first block"));
      const all = await collect(store.list(""));
      expect(all).toEqual([...all].sort());
      expect(all).toContain(`${p}/chunk-0/block-0`);
      expect(all).toContain(`${p}y/chunk-2/block-1`);
      expect(await collect(store.list(`${p}/`))).toEqual([`${p}/chunk-0/block-0`]);
      expect(await collect(store.list(`${p}/chunk-0/`))).toEqual([`${p}/chunk-0/block-0`]);
      expect(await collect(store.list(`${p}/chunk-1/`))).toEqual([]);
      expect(await collect(store.list(`${p}y/`))).toEqual([`${p}y/chunk-2/block-1`]);
    });

    it("deferred puts and deletes (the engine's GC) are gone or whole after flush", async () => {
      const p = pid();
      const opts = { deferSync: true };
      const keys = [`${p}/chunk-0/block-0`, `${p}/chunk-0/block-1`, `${p}/chunk-3/block-0`];
      for (const k of keys) await store.put(k, Buffer.from(k), opts);
      await store.delete(keys[0]!, opts);
      await store.delete(keys[2]!, opts);
      await store.delete(`${p}/chunk-9/block-9`, opts); // never stored
      await store.flush?.();
      expect(await collect(store.list(`${p}/`))).toEqual([keys[1]]);
      await store.delete(keys[1]!, opts);
      await store.flush?.();
      expect(await collect(store.list(`${p}/`))).toEqual([]);
      await store.put(keys[0]!, Buffer.from("again"), opts); // where a delete left (or pruned) its directory
      await store.flush?.();
      expect((await store.get(keys[0]!)).toString()).toBe("again");
    });

    it("stores a large object (multipart where the backend has it)", async () => {
      const key = `${pid()}/chunk-0/block-0`;
      const a = randomBytes(12 * 1024 * 1024 + 123);
      await store.put(key, a);
      const back = await store.get(key);
      expect(back.length).toBe(a.length);
      expect(back.equals(a)).toBe(true);
      expect(
        (await store.get(key, 11 * 1024 * 1024, 2 * 1024 * 1024)).equals(a.subarray(11 * 1024 * 1024)),
      ).toBe(true);
    });

    it("rejects keys that are not block-key shaped", async () => {
      for (const bad of ["../etc/passwd", "a/../../b", "/abs", "a//b", "a/./b", ""]) {
        expect(await errnoOf(store.put(bad, Buffer.from("x")))).toBe("EINVAL");
        expect(await errnoOf(store.get(bad))).toBe("EINVAL");
      }
    });

    it("reports health", async () => {
      const h = await store.health();
      expect(h.ok).toBe(true);
      expect(h.latencyMs).toBeGreaterThanOrEqual(0);
    });
  });
}
