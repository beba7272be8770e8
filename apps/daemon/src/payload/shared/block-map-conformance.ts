/**
 * One conformance suite for every BlockMap (docs/architecture.md "Conventions"): the in-memory twin the engine's unit
 * tests use and the PostgreSQL one the daemons share must agree on every point below.
 */
import { describe, expect, it } from "vitest";
import type { BlockMap } from "./block-map.ts";
import { newVersion } from "./versions.ts";

let counter = 0;
/** A payload id no other test of the suite uses (the PG fixture may be shared by several). */
function pid(): string {
  counter++;
  return `conf-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

export function describeBlockMap(name: string, open: () => Promise<BlockMap>): void {
  describe(`BlockMap conformance: ${name}`, () => {
    it("a payload never written has generation 0 and no versions", async () => {
      const map = await open();
      const id = pid();
      expect(await map.generation(id)).toBe(0n);
      const got = await map.versions(id, [0, 1, 2]);
      expect(got.generation).toBe(0n);
      expect(got.versions.size).toBe(0);
    });

    it("every commit bumps the generation by one and the last version of a block wins", async () => {
      const map = await open();
      const id = pid();
      const [v1, v2, v3] = [newVersion(), newVersion(), newVersion()];
      expect(await map.commitBlock(id, 0, v1)).toBe(1n);
      expect(await map.commitBlock(id, 5, v2)).toBe(2n);
      expect(await map.commitBlock(id, 0, v3)).toBe(3n);
      expect(await map.generation(id)).toBe(3n);
      const got = await map.versions(id, [0, 1, 5]);
      expect(got.generation).toBe(3n);
      expect([...got.versions.entries()].sort((a, b) => a[0] - b[0])).toEqual([
        [0, v3],
        [5, v2],
      ]);
    });

    it("a null version makes the block a hole", async () => {
      const map = await open();
      const id = pid();
      await map.commitBlock(id, 1, newVersion());
      expect(await map.commitBlock(id, 1, null)).toBe(2n);
      expect((await map.versions(id, [1])).versions.has(1)).toBe(false);
    });

    it("truncate forgets blocks at or past the boundary and bumps the generation", async () => {
      const map = await open();
      const id = pid();
      const vs = [newVersion(), newVersion(), newVersion(), newVersion()];
      for (let i = 0; i < vs.length; i++) await map.commitBlock(id, i * 16, vs[i]!);
      expect(await map.truncate(id, 17)).toBe(5n);
      const got = await map.versions(id, [0, 16, 32, 48]);
      expect([...got.versions.keys()].sort((a, b) => a - b)).toEqual([0, 16]);
      expect(await map.truncate(id, 0)).toBe(6n);
      expect((await map.versions(id, [0, 16])).versions.size).toBe(0);
    });

    it("concurrent commits to one payload each get their own generation", async () => {
      const map = await open();
      const id = pid();
      const gens = await Promise.all(
        Array.from({ length: 20 }, (_, i) => map.commitBlock(id, i % 4, newVersion())),
      );
      expect(gens.map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(await map.generation(id)).toBe(20n);
      expect((await map.versions(id, [0, 1, 2, 3])).versions.size).toBe(4);
    });

    it("payloads do not see each other's blocks", async () => {
      const map = await open();
      const [a, b] = [pid(), pid()];
      const v = newVersion();
      await map.commitBlock(a, 3, v);
      expect((await map.versions(b, [3])).versions.size).toBe(0);
      await map.truncate(b, 0);
      expect((await map.versions(a, [3])).versions.get(3)).toBe(v);
    });
  });
}
