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

/** One structural mutation of a valid message (never the identity for long). */
export function mutate(msg: Buffer, rand: () => number, protectPrefix = 0): Buffer {
  const out = Buffer.from(msg);
  const pick = (n: number) => Math.floor(rand() * n);
  const at = (width: number) => protectPrefix + pick(Math.max(1, out.length - protectPrefix - width + 1));
  const ops = 1 + pick(3);
  let b = out;
  for (let i = 0; i < ops; i++) {
    const kind = pick(7);
    if (kind <= 1 && b.length >= protectPrefix + 4) {
      // A length, count, offset or flags field set to a boundary value (or off by one).
      const off = at(4) & ~(kind === 0 ? 3 : 1);
      const v = rand() < 0.8 ? INTERESTING_U32[pick(INTERESTING_U32.length)]! : b.length + pick(3) - 1;
      if (kind === 0 && off + 4 <= b.length) b.writeUInt32BE(v >>> 0, off);
      else if (off + 2 <= b.length) b.writeUInt16LE(v & 0xffff, off);
    } else if (kind === 2 && b.length > protectPrefix) {
      const j = at(1);
      b[j] = (b[j] ?? 0) ^ (1 << pick(8));
    } else if (kind === 3 && b.length > protectPrefix) {
      b = b.subarray(0, protectPrefix + pick(b.length - protectPrefix));
    } else if (kind === 4) {
      const extra = Buffer.alloc(pick(64));
      for (let j = 0; j < extra.length; j++) extra[j] = pick(256);
      b = Buffer.concat([b, extra]);
    } else if (kind === 5 && b.length > protectPrefix + 8) {
      const from = at(8);
      b = Buffer.concat([b.subarray(0, from), b.subarray(from, from + 8), b.subarray(from)]);
    } else if (b.length > protectPrefix) {
      b[at(1)] = pick(256);
    }
  }
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
