/**
 * The crash test's workload, generated from a seed so the killed child and the verifying parent
 * agree on every op without passing data around. Three payloads, up to EXTENT_BYTES each (three
 * blocks), sequential and random writes of 1 B to 512 KiB and of 1 MiB, commits, durable writes, truncates,
 * deletes (the payload id is then written again, as a new file would be).
 */
import { createCipheriv } from "node:crypto";
import { prng, randInt } from "../../domain/testing/prng.ts";

/** Payloads every run continues (their blocks are in the store from earlier runs: journaled writes). */
export const CRASH_PAYLOADS = ["crash-a", "crash-b"] as const;

/**
 * A new file of each run (the child announces it with PayloadService.created): its writes take
 * the fs store's write-once path (write-once.ts) until a truncate, a delete or a rewrite of a
 * stored block switches it to journaled writes.
 */
export function newPayload(seed: number): string {
  return `crash-new-${seed}`;
}

export function crashPayloads(seed: number): string[] {
  return [...CRASH_PAYLOADS, newPayload(seed)];
}
export const EXTENT_BYTES = 12 * 1024 * 1024 + 4097;
export const OPS_PER_RUN = 400;

export type CrashOp =
  | { kind: "write"; id: string; off: number; len: number; dataSeed: number; durable: boolean }
  | { kind: "commit"; id: string }
  | { kind: "truncate"; id: string; size: number }
  | { kind: "delete"; id: string };

export function crashPlan(seed: number): CrashOp[] {
  const rnd = prng(seed);
  const ids = crashPayloads(seed);
  const ends = new Map<string, number>(ids.map((id) => [id, 0]));
  const ops: CrashOp[] = [];
  for (let i = 0; i < OPS_PER_RUN; i++) {
    const id = ids[randInt(rnd, 0, ids.length - 1)]!;
    const r = rnd();
    if (r < 0.15) {
      ops.push({ kind: "commit", id });
    } else if (r < 0.165) {
      ops.push({ kind: "delete", id });
      ends.set(id, 0);
    } else if (r < 0.19) {
      const size = randInt(rnd, 0, EXTENT_BYTES);
      ops.push({ kind: "truncate", id, size });
      ends.set(id, size);
    } else {
      const end = ends.get(id)!;
      // 1 MiB writes (a tenth) are adopted by the cache as they are and uploaded as parts (putv).
      const size = rnd();
      const len = size < 0.1 ? 1024 * 1024 : randInt(rnd, 1, size < 0.7 ? 64 * 1024 : 512 * 1024);
      const seqWrite = rnd() < 0.6 && end + len <= EXTENT_BYTES;
      const off = seqWrite ? end : randInt(rnd, 0, EXTENT_BYTES - len);
      ops.push({ kind: "write", id, off, len, dataSeed: randInt(rnd, 0, 2 ** 31), durable: rnd() < 0.08 });
      ends.set(id, off + len);
    }
  }
  return ops;
}

/** The bytes of a write op: AES-CTR keystream keyed by its seed (fast, distinct per op). */
export function opData(op: { len: number; dataSeed: number }): Buffer {
  const key = Buffer.alloc(16);
  key.writeUInt32LE(op.dataSeed >>> 0, 0);
  key.writeUInt32LE(op.len, 4);
  const c = createCipheriv("aes-128-ctr", key, Buffer.alloc(16));
  return c.update(Buffer.alloc(op.len));
}
