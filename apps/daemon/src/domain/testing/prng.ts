/** Seeded PRNG (mulberry32) for reproducible randomized tests; print the seed on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randInt(rnd: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rnd() * (hi - lo + 1));
}

/** Fills a buffer with bytes from the PRNG (4 bytes per draw). */
export function randomFill(rnd: () => number, buf: Buffer): Buffer {
  let i = 0;
  for (; i + 4 <= buf.length; i += 4) buf.writeUInt32LE(Math.floor(rnd() * 4294967296), i);
  for (; i < buf.length; i++) buf[i] = Math.floor(rnd() * 256);
  return buf;
}

export function seedFromEnv(name: string): number {
  const v = process.env[name];
  return v !== undefined && v !== "" ? Number(v) : Math.floor(Math.random() * 2 ** 31);
}
