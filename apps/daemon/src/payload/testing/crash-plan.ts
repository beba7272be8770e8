/**
 * The crash test's workload, generated from a seed so the killed child and the verifying parent
 * agree on every op without passing data around. Four payloads, up to EXTENT_BYTES each (three
 * blocks), sequential and random writes of 1 B to 512 KiB and of 1 MiB, commits, durable writes, truncates,
 * deletes (the payload id is then written again, as a new file would be), SMB CLOSEs, and streams
 * into a fourth new file: untouched blocks written whole in order, which write-behind stages.
 */
import { createCipheriv } from "node:crypto";
import { prng, randInt } from "../../domain/testing/prng.ts";

/** Payloads every run continues (their blocks are in the store from earlier runs: journaled writes). */
export const CRASH_PAYLOADS = ["crash-a", "crash-b"] as const;

/**
 * A new file of each run (the child announces it with PayloadService.created): its writes take
 * the fs store's write-once path (write-once.ts) until a truncate, a delete, a small COMMIT or
 * a rewrite of a stored block switches it to journaled writes.
 */
export function newPayload(seed: number): string {
  return `crash-new-${seed}`;
}

/**
 * A second new file of each run that only gets streams (streamOps): it stays write-once, so its
 * blocks are staged by write-behind and published by a COMMIT or the idle upload.
 */
export function streamPayload(seed: number): string {
  return `crash-stream-${seed}`;
}

export function crashPayloads(seed: number): string[] {
  return [...CRASH_PAYLOADS, newPayload(seed), streamPayload(seed)];
}
export const EXTENT_BYTES = 12 * 1024 * 1024 + 4097;
export const OPS_PER_RUN = 400;

export type CrashOp =
  | { kind: "write"; id: string; off: number; len: number; dataSeed: number; durable: boolean }
  | { kind: "commit"; id: string }
  /** SMB CLOSE (PayloadService.closeFile): the writes before it survive the SIGKILL. */
  | { kind: "close"; id: string }
  | { kind: "truncate"; id: string; size: number }
  | { kind: "delete"; id: string }
  /** The child waits (a writer's think time): write-behind stages a completed block meanwhile. */
  | { kind: "pause"; id: string; ms: number };

const BLOCK_BYTES = 4 * 1024 * 1024;
/** Per op, the chance of a stream while the stream file has an untouched block (about 3 per run). */
const STREAM_CHANCE = 0.03;

/**
 * A stream: block `block` of `id` written whole in order, in writes of 1 MiB (adopted) or
 * 64-512 KiB (copied), all unstable. Write-once, it is staged by write-behind as it is written
 * (docs/payload.md "Write-behind": each adopted frame, copied writes every 256 KiB, the rest once
 * the block is complete), so kills land with staged blocks and during their publish. A pause
 * follows; then a COMMIT, which publishes the stage, or a CLOSE, which seals it (docs/payload.md
 * "CLOSE"), or neither (the idle upload publishes it).
 */
function streamOps(rnd: () => number, id: string, block: number): CrashOp[] {
  const ops: CrashOp[] = [];
  const end = (block + 1) * BLOCK_BYTES;
  for (let off = block * BLOCK_BYTES; off < end; ) {
    const len = Math.min(end - off, rnd() < 0.6 ? 1024 * 1024 : randInt(rnd, 64 * 1024, 512 * 1024));
    ops.push({ kind: "write", id, off, len, dataSeed: randInt(rnd, 0, 2 ** 31), durable: false });
    off += len;
  }
  ops.push({ kind: "pause", id, ms: randInt(rnd, 5, 60) });
  const r = rnd();
  if (r < 0.35) ops.push({ kind: "commit", id });
  else if (r < 0.7) ops.push({ kind: "close", id });
  return ops;
}

function randomOp(rnd: () => number, id: string, end: number): CrashOp {
  const r = rnd();
  if (r < 0.12) return { kind: "commit", id };
  if (r < 0.15) return { kind: "close", id };
  if (r < 0.165) return { kind: "delete", id };
  if (r < 0.19) return { kind: "truncate", id, size: randInt(rnd, 0, EXTENT_BYTES) };
  // 1 MiB writes (a tenth) are adopted by the cache as they are and uploaded as parts (putv).
  const size = rnd();
  const len = size < 0.1 ? 1024 * 1024 : randInt(rnd, 1, size < 0.7 ? 64 * 1024 : 512 * 1024);
  const seqWrite = rnd() < 0.6 && end + len <= EXTENT_BYTES;
  const off = seqWrite ? end : randInt(rnd, 0, EXTENT_BYTES - len);
  return { kind: "write", id, off, len, dataSeed: randInt(rnd, 0, 2 ** 31), durable: rnd() < 0.08 };
}

export function crashPlan(seed: number): CrashOp[] {
  const rnd = prng(seed);
  const ids = [...CRASH_PAYLOADS, newPayload(seed)];
  const stream = streamPayload(seed);
  // The stream file's whole blocks not written yet, streamed in random order.
  const untouched = Array.from({ length: Math.floor(EXTENT_BYTES / BLOCK_BYTES) }, (_, b) => b);
  const ends = new Map<string, number>(ids.map((id) => [id, 0]));
  const ops: CrashOp[] = [];
  while (ops.length < OPS_PER_RUN) {
    if (untouched.length > 0 && rnd() < STREAM_CHANCE) {
      const [block] = untouched.splice(randInt(rnd, 0, untouched.length - 1), 1);
      ops.push(...streamOps(rnd, stream, block!));
      continue;
    }
    const id = ids[randInt(rnd, 0, ids.length - 1)]!;
    const op = randomOp(rnd, id, ends.get(id)!);
    if (op.kind === "delete") ends.set(id, 0);
    else if (op.kind === "truncate") ends.set(id, op.size);
    else if (op.kind === "write") ends.set(id, op.off + op.len);
    ops.push(op);
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
