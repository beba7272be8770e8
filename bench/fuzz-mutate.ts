/**
 * The fuzzers' mutations (bench/fuzz.ts, bench/fuzz-nfs4.ts): a seeded PRNG, structural mutations
 * of a valid message, and RPC record marking that is sometimes split or lies about its length.
 */
import { encodeRecord, recordMark } from "../apps/daemon/src/protocols/nfs/rpc/record-marking.ts";

/** xorshift32: a failure reproduces from its seed. */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

const INTERESTING_U32 = [
  0, 1, 2, 0x7f, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
];

type Pick = (n: number) => number;

/** One mutation step on b (may return a new buffer); `at(width)` picks an offset past the prefix. */
function mutateOnce(b: Buffer, kind: number, rand: () => number, pick: Pick, prefix: number): Buffer {
  const at = (width: number) => prefix + pick(Math.max(1, b.length - prefix - width + 1));
  if (kind <= 1 && b.length >= prefix + 4) {
    // A length, count, offset or flags field set to a boundary value (or off by one).
    const off = at(4) & ~(kind === 0 ? 3 : 1);
    const v = rand() < 0.8 ? INTERESTING_U32[pick(INTERESTING_U32.length)]! : b.length + pick(3) - 1;
    if (kind === 0 && off + 4 <= b.length) b.writeUInt32BE(v >>> 0, off);
    else if (off + 2 <= b.length) b.writeUInt16LE(v & 0xffff, off);
    return b;
  }
  if (kind === 2 && b.length > prefix) {
    const j = at(1);
    b[j] = (b[j] ?? 0) ^ (1 << pick(8));
    return b;
  }
  if (kind === 3 && b.length > prefix) return b.subarray(0, prefix + pick(b.length - prefix));
  if (kind === 4) {
    const extra = Buffer.alloc(pick(64));
    for (let j = 0; j < extra.length; j++) extra[j] = pick(256);
    return Buffer.concat([b, extra]);
  }
  if (kind === 5 && b.length > prefix + 8) {
    const from = at(8);
    return Buffer.concat([b.subarray(0, from), b.subarray(from, from + 8), b.subarray(from)]);
  }
  if (b.length > prefix) b[at(1)] = pick(256);
  return b;
}

/** One structural mutation of a valid message (never the identity for long). */
export function mutate(msg: Buffer, rand: () => number, protectPrefix = 0): Buffer {
  const pick: Pick = (n) => Math.floor(rand() * n);
  const ops = 1 + pick(3);
  let b: Buffer = Buffer.from(msg);
  for (let i = 0; i < ops; i++) b = mutateOnce(b, pick(7), rand, pick, protectPrefix);
  return b;
}

/** Record marking, usually right, sometimes split into fragments or lying about its length. */
export function frameRecord(rec: Buffer, rand: () => number): Buffer {
  const r = rand();
  if (r < 0.8) return encodeRecord(rec);
  if (r < 0.9) return encodeRecord(rec, 1 + Math.floor(rand() * Math.max(1, rec.length)));
  const lie = Math.floor(rand() * (rec.length + 16));
  return Buffer.concat([recordMark(lie), rec]);
}
