import { describe, expect, it } from "vitest";
import { prng, randInt, randomFill, seedFromEnv } from "../../domain/testing/prng.ts";
import { StoredBase } from "./stored-base.ts";

describe("StoredBase", () => {
  it("reads stored parts in place, copying only across parts", () => {
    const parts = [Buffer.alloc(10, 1), Buffer.alloc(10, 2), Buffer.alloc(5, 3)];
    const b = new StoredBase();
    expect(b.loaded).toBe(false);
    b.setParts(parts);
    expect([b.loaded, b.length, b.end]).toEqual([true, 25, 25]);
    const inside: Buffer[] = [];
    b.views(12, 18, inside);
    expect(inside.map((v) => v.buffer)).toEqual([parts[1]!.buffer]); // inside one part: a view
    const across: Buffer[] = [];
    b.views(8, 22, across); // across parts: a view of each, no copy
    expect(across.map((v) => [v.buffer, v.length])).toEqual([
      [parts[0]!.buffer, 2],
      [parts[1]!.buffer, 10],
      [parts[2]!.buffer, 2],
    ]);
    const out = Buffer.alloc(30, 9);
    b.readInto(out, 0, 0, 30);
    expect(out.equals(Buffer.concat([...parts, Buffer.alloc(5)]))).toBe(true);
  });

  it("reads a truncated or unloaded base as zeros, against a flat model (seeded)", () => {
    const seed = seedFromEnv("DITTOFS_SEED");
    console.log(`stored base seed=${seed}`);
    const rnd = prng(seed);
    for (let i = 0; i < 300; i++) {
      const b = new StoredBase();
      const flat = randomFill(rnd, Buffer.alloc(randInt(rnd, 0, 4096)));
      if (rnd() < 0.1) {
        // not loaded: zeros
      } else if (rnd() < 0.5) {
        b.set(flat);
      } else {
        const cuts = [0, randInt(rnd, 0, flat.length), randInt(rnd, 0, flat.length), flat.length].sort(
          (x, y) => x - y,
        );
        b.setParts(cuts.slice(1).map((c, k) => flat.subarray(cuts[k]!, c)));
      }
      b.validLen = randInt(rnd, 0, 5000);
      const model = Buffer.alloc(5000);
      if (b.loaded) flat.copy(model, 0, 0, Math.min(flat.length, b.validLen));
      const a = randInt(rnd, 0, 5000);
      const e = randInt(rnd, a, 5000);
      const out = randomFill(rnd, Buffer.alloc(e - a + 3));
      b.readInto(out, 3, a, e);
      expect(out.subarray(3).equals(model.subarray(a, e)), `seed=${seed} i=${i}`).toBe(true);
      if (b.loaded && e <= b.end) {
        const views: Buffer[] = [];
        b.views(a, e, views);
        expect(Buffer.concat(views).equals(model.subarray(a, e)), `seed=${seed} i=${i}`).toBe(true);
      }
    }
  });
});
