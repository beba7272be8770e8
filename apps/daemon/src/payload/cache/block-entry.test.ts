import { describe, expect, it } from "vitest";
import { prng, randInt, randomFill, seedFromEnv } from "../testing/prng.ts";
import { BLOCK_SIZE_BYTES } from "../types.ts";
import { BlockEntry, type BlockOwner, SLICES_PER_BLOCK_MAX } from "./block-entry.ts";

const owner: BlockOwner = { scheduleUpload: () => {}, released: () => {} };
const B = BLOCK_SIZE_BYTES;

describe("BlockEntry slices", () => {
  it("extends the last slice for sequential writes (one slice per streamed block)", () => {
    const e = new BlockEntry("p", 0, owner);
    const piece = Buffer.alloc(64 * 1024, 7);
    for (let off = 0; off < B; off += piece.length) e.write(off, piece, 0, piece.length, 1, off > 0);
    expect(e.slices.length).toBe(1);
    expect(e.covers(0, B)).toBe(true);
    expect(e.read(0, B).equals(Buffer.alloc(B, 7))).toBe(true);
  });

  it("reads holes and sparse tails as zeros, over a base", () => {
    const e = new BlockEntry("p", 0, owner);
    e.base = Buffer.alloc(100, 1);
    e.write(200, Buffer.from([9, 9]), 0, 2, 1, false);
    const r = e.read(0, 300);
    expect(r.subarray(0, 100).every((b) => b === 1)).toBe(true);
    expect(r.subarray(100, 200).every((b) => b === 0)).toBe(true);
    expect([...r.subarray(200, 202)]).toEqual([9, 9]);
    expect(r.subarray(202).every((b) => b === 0)).toBe(true);
  });

  it("merges newest-wins against a flat-buffer model (randomized, seeded)", () => {
    const seed = seedFromEnv("DITTOFS_SEED");
    console.log(`slice merge seed=${seed}`);
    const rnd = prng(seed);
    for (let round = 0; round < 25; round++) {
      const e = new BlockEntry("p", 0, owner);
      const model = Buffer.alloc(B);
      let modelEnd = 0;
      if (rnd() < 0.5) {
        const baseLen = randInt(rnd, 0, B);
        e.base = randomFill(rnd, Buffer.alloc(baseLen));
        e.base.copy(model);
        modelEnd = baseLen;
      }
      let lastEnd = -1;
      const held: [Buffer, Buffer][] = [];
      for (let op = 0; op < 120; op++) {
        const r = rnd();
        if (r < 0.05) {
          const lim = randInt(rnd, 0, B);
          e.truncate(lim, op);
          model.fill(0, lim);
          modelEnd = Math.min(modelEnd, lim);
          lastEnd = -1;
          continue;
        }
        if (r < 0.1 && e.base !== null) {
          // An upload round trip: freeze, compose, finish (with a write landing in between).
          const gen = e.freeze();
          const stored = e.compose();
          expect(stored.equals(model.subarray(0, stored.length))).toBe(true);
          e.finishUpload(stored, gen);
          continue;
        }
        const seqWrite = r < 0.55 && lastEnd >= 0 && lastEnd < B;
        const off = seqWrite ? lastEnd : randInt(rnd, 0, B - 1);
        const len = randInt(rnd, 1, Math.min(B - off, rnd() < 0.8 ? 8192 : 300_000));
        const data = randomFill(rnd, Buffer.alloc(len + 10));
        e.write(off, data, 5, 5 + len, op, seqWrite);
        data.copy(model, off, 5, 5 + len);
        modelEnd = Math.max(modelEnd, off + len);
        lastEnd = off + len;
        const a = randInt(rnd, 0, B - 1);
        const b = randInt(rnd, a + 1, Math.min(B, a + 200_000));
        if (e.base !== null || e.covers(a, b)) {
          const got = e.read(a, b);
          expect(got.equals(model.subarray(a, b))).toBe(true);
          held.push([got, Buffer.from(got)]);
        }
      }
      expect(e.slices.length).toBeLessThanOrEqual(SLICES_PER_BLOCK_MAX + 1);
      if (e.base === null) e.base = BlockEntry.EMPTY;
      expect(e.read(0, B).equals(model)).toBe(true);
      // Zero-copy reads handed out earlier never change under their holder.
      for (const [view, copy] of held) expect(view.equals(copy)).toBe(true);
    }
  });

  it("needs the base only where slices leave gaps", () => {
    const e = new BlockEntry("p", 3, owner);
    e.write(0, Buffer.alloc(10), 0, 10, 1, false);
    e.write(10, Buffer.alloc(10), 0, 10, 2, false);
    expect(e.needsBaseFor(0, 20)).toBe(false);
    expect(e.needsBaseFor(0, 21)).toBe(true);
    expect(e.dirtyMinSeq).toBe(1);
  });
});
