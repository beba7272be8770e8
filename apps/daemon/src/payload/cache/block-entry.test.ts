import { describe, expect, it } from "vitest";
import { prng, randInt, randomFill, seedFromEnv } from "../../domain/testing/prng.ts";
import { BLOCK_SIZE_BYTES } from "../types.ts";
import { BlockEntry, type BlockOwner, SLICES_PER_BLOCK_MAX } from "./block-entry.ts";
import { adoptable } from "./slices.ts";

/** Records base requests; the model loads the (empty) base the way the engine would. */
const wanted = new Set<BlockEntry>();
const owner: BlockOwner = { scheduleUpload: () => {}, released: () => {}, needsBase: (e) => wanted.add(e) };
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

  it("a writer rewriting a small region pass after pass does not grow a slice to the block end", () => {
    const e = new BlockEntry("p", 0, owner);
    const page = Buffer.alloc(4096, 5);
    // Each pass: its first write is not sequential (it goes back to 0), the next 15 are.
    for (let pass = 0; pass < 4; pass++) {
      for (let i = 0; i < 16; i++) e.write(i * 4096, page, 0, page.length, pass * 16 + i, i > 0);
    }
    expect(e.read(0, 65536).equals(Buffer.alloc(65536, 5))).toBe(true);
    // What the cache counts as dirty: 4 passes of at most 64 KiB each, not 4 x 4 MiB.
    expect(e.sliceBytes(false)).toBeLessThanOrEqual(4 * 65536);
  });

  it("adopts handed-over writes as slices without a copy and composes them as parts", () => {
    const e = new BlockEntry("p", 0, owner);
    const mib = B / 4;
    const writes = [0, 1, 2, 3].map((i) => Buffer.alloc(mib, i + 1));
    for (const [i, w] of writes.entries()) e.write(i * mib, w, 0, mib, i + 1, i > 0, adoptable(w));
    expect(e.slices.map((s) => s.buf.buffer)).toEqual(writes.map((w) => w.buffer));
    expect(
      e.read(mib - 10, mib + 10).equals(Buffer.concat([writes[0]!, writes[1]!]).subarray(mib - 10, mib + 10)),
    ).toBe(true);
    e.freeze();
    e.write(5, Buffer.from([9]), 0, 1, 9, false); // after the freeze: not part of this upload
    const parts = e.composeParts();
    expect(parts?.map((b) => b.buffer)).toEqual(writes.map((w) => w.buffer));
    e.finishUpload(Buffer.concat(parts!));
    expect(e.slices.length).toBe(1);
    expect([...e.read(4, 8)]).toEqual([1, 9, 1, 1]); // the newer slice over the new base
    // A view into a larger buffer (a socket chunk holding other bytes) is copied, not adopted.
    expect(adoptable(Buffer.alloc(2 * mib).subarray(0, mib))).toBe(false);
    expect(adoptable(Buffer.alloc(4096))).toBe(false);
  });

  it("keeps the stored parts as the clean copy: reads are views of the written buffers, no merge", () => {
    const e = new BlockEntry("p", 0, owner);
    const mib = B / 4;
    const writes = [0, 1, 2, 3].map((i) => Buffer.alloc(mib, i + 1));
    for (const [i, w] of writes.entries()) e.write(i * mib, w, 0, mib, i + 1, i > 0, adoptable(w));
    e.freeze();
    e.finishUpload(e.composeParts()!);
    expect(e.isDirty).toBe(false);
    expect(e.hasBase).toBe(true);
    expect(e.baseLength).toBe(B);
    // A read inside one part is a view of that write's own buffer (the upload merged nothing).
    const r = e.read(2 * mib + 5, 3 * mib);
    expect(r.buffer).toBe(writes[2]!.buffer);
    expect(r.every((b) => b === 3)).toBe(true);
    // Across parts and over a newer slice: merged per read, newest wins.
    expect([...e.read(mib - 2, mib + 2)]).toEqual([1, 1, 2, 2]);
    e.write(mib, Buffer.from([9]), 0, 1, 9, false);
    expect([...e.read(mib - 1, mib + 2)]).toEqual([1, 9, 2]);
    // A truncate masks the parts like any base.
    e.truncate(mib + 1, 10);
    expect(e.baseEnd).toBe(mib + 1);
    expect(e.read(mib - 1, mib + 3).equals(Buffer.from([1, 9, 0, 0]))).toBe(true);
  });

  it("reads across stored parts and across tiled adopted slices as views of the written buffers", () => {
    const e = new BlockEntry("p", 0, owner);
    const mib = B / 4;
    const writes = [0, 1, 2, 3].map((i) => Buffer.alloc(mib, i + 1));
    for (const [i, w] of writes.entries()) e.write(i * mib, w, 0, mib, i + 1, i > 0, adoptable(w));
    // Dirty slices that tile the range end to end: one view per slice, nothing merged.
    const dirty: Buffer[] = [];
    e.readParts(mib - 3, 3 * mib + 3, dirty);
    expect(dirty.map((v) => [v.buffer, v.length])).toEqual([
      [writes[0]!.buffer, 3],
      [writes[1]!.buffer, mib],
      [writes[2]!.buffer, mib],
      [writes[3]!.buffer, 3],
    ]);
    e.freeze();
    e.finishUpload(e.composeParts()!);
    // The clean copy is the same parts: a whole-block read is four views.
    const clean: Buffer[] = [];
    e.readParts(0, B, clean);
    expect(clean.map((v) => v.buffer)).toEqual(writes.map((w) => w.buffer));
    // A newer slice overlapping one of them hides bytes: merged into one buffer, newest wins.
    e.write(mib - 1, Buffer.from([9, 9]), 0, 2, 5, false);
    const merged: Buffer[] = [];
    e.readParts(mib - 2, mib + 2, merged);
    expect(merged.length).toBe(1);
    expect([...merged[0]!]).toEqual([1, 9, 9, 2]);
  });

  it("composes no parts when the frozen slices leave a gap or the base reaches further", () => {
    const e = new BlockEntry("p", 0, owner);
    e.write(0, Buffer.alloc(10, 1), 0, 10, 1, false);
    e.write(20, Buffer.alloc(10, 2), 0, 10, 2, false);
    e.freeze();
    expect(e.composeParts()).toBe(null);
    const f = new BlockEntry("p", 1, owner);
    f.setBase(Buffer.alloc(100, 3));
    f.write(0, Buffer.alloc(50, 4), 0, 50, 1, false);
    f.freeze();
    expect(f.composeParts()).toBe(null);
    expect(f.compose().equals(Buffer.concat([Buffer.alloc(50, 4), Buffer.alloc(50, 3)]))).toBe(true);
  });

  it("reads holes and sparse tails as zeros, over a base", () => {
    const e = new BlockEntry("p", 0, owner);
    e.setBase(Buffer.alloc(100, 1));
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
    for (let round = 0; round < 25; round++) runModelRound(rnd);
  });

  it("folds many disjoint small writes into one slice over a loaded base", () => {
    const e = new BlockEntry("p", 0, owner);
    e.setBase(Buffer.alloc(B, 1));
    const model = Buffer.alloc(B, 1);
    for (let i = 0; i < 500; i++) {
      const off = i * 8192;
      e.write(off, Buffer.alloc(10, 2), 0, 10, i + 1, false);
      model.fill(2, off, off + 10);
      expect(e.slices.length).toBeLessThanOrEqual(SLICES_PER_BLOCK_MAX + 1);
    }
    expect(e.read(0, B).equals(model)).toBe(true);
  });

  it("asks for the base when disjoint slices cannot be folded, and folds once it arrives", () => {
    wanted.clear();
    const e = new BlockEntry("p", 0, owner);
    let flattens = 0;
    const flatten = e.flatten.bind(e);
    e.flatten = () => {
      flattens++;
      flatten();
    };
    for (let i = 0; i < 400; i++) e.write(i * 8192, Buffer.alloc(10, 3), 0, 10, i + 1, false);
    expect(wanted.has(e)).toBe(true);
    // Backing off geometrically: not one flatten per write while the base is missing.
    expect(flattens).toBeLessThan(10);
    e.setBase(BlockEntry.EMPTY);
    e.baseLoaded();
    expect(e.slices.length).toBe(1);
    expect(e.read(8192, 8192 + 12).equals(Buffer.from([3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0]))).toBe(true);
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

interface ModelState {
  e: BlockEntry;
  model: Buffer;
  lastEnd: number;
  held: [Buffer, Buffer][];
}

/** One random block history checked against a flat buffer after every step. */
function runModelRound(rnd: () => number): void {
  const st: ModelState = { e: new BlockEntry("p", 0, owner), model: Buffer.alloc(B), lastEnd: -1, held: [] };
  if (rnd() < 0.5) {
    const base = randomFill(rnd, Buffer.alloc(randInt(rnd, 0, B)));
    st.e.setBase(base);
    base.copy(st.model);
  }
  for (let op = 0; op < 120; op++) modelStep(rnd, st, op);
  expect(st.e.slices.length).toBeLessThanOrEqual(SLICES_PER_BLOCK_MAX + 1);
  if (!st.e.hasBase) st.e.setBase(BlockEntry.EMPTY);
  expect(st.e.read(0, B).equals(st.model)).toBe(true);
  // Zero-copy reads handed out earlier never change under their holder.
  for (const [view, copy] of st.held) expect(view.equals(copy)).toBe(true);
}

function modelStep(rnd: () => number, st: ModelState, op: number): void {
  const { e, model } = st;
  const r = rnd();
  if (r < 0.05) {
    const lim = randInt(rnd, 0, B);
    e.truncate(lim, op);
    model.fill(0, lim);
    st.lastEnd = -1;
    return;
  }
  if (r < 0.1 && e.hasBase) {
    // An upload round trip: freeze, compose, finish.
    e.freeze();
    const stored = e.compose();
    expect(stored.equals(model.subarray(0, stored.length))).toBe(true);
    // Sometimes a truncate lands while the put is in flight.
    if (rnd() < 0.3) {
      const lim = randInt(rnd, 0, B);
      e.truncate(lim, op);
      model.fill(0, lim);
      st.lastEnd = -1;
    }
    e.finishUpload(stored);
    return;
  }
  const seqWrite = r < 0.55 && st.lastEnd >= 0 && st.lastEnd < B;
  const off = seqWrite ? st.lastEnd : randInt(rnd, 0, B - 1);
  const len = randInt(rnd, 1, Math.min(B - off, rnd() < 0.8 ? 8192 : 300_000));
  const data = randomFill(rnd, Buffer.alloc(len + 10));
  // Sometimes kept as it is (adopted, as a received WRITE frame): reads may then be views of it.
  e.write(off, data, 5, 5 + len, op, seqWrite, rnd() < 0.3);
  data.copy(model, off, 5, 5 + len);
  if (wanted.delete(e) && !e.hasBase) {
    // The engine loads the base it was asked for (the model's store holds zeros).
    e.setBase(BlockEntry.EMPTY);
    e.baseLoaded();
  }
  if (e.hasBase) expect(e.slices.length).toBeLessThanOrEqual(SLICES_PER_BLOCK_MAX + 1);
  st.lastEnd = off + len;
  const a = randInt(rnd, 0, B - 1);
  const b = randInt(rnd, a + 1, Math.min(B, a + 200_000));
  if (e.hasBase || e.covers(a, b)) {
    const parts: Buffer[] = [];
    e.readParts(a, b, parts);
    expect(Buffer.concat(parts).equals(model.subarray(a, b))).toBe(true);
    for (const got of parts) st.held.push([got, Buffer.from(got)]);
  }
}
