/**
 * The structure-aware fuzzer (bench/fuzz.ts) for a short run: mutated NFSv3/MOUNT/NLM, NFSv4.0/4.1
 * COMPOUND (bench/fuzz-nfs4.ts) and SMB2 frames against a real daemon process; the daemon must stay up, nfs-ls and smbclient must keep working
 * after every batch. DITTOFS_FUZZ_SEED reproduces a failure (the seed is in the failure message).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fuzz, startDaemon } from "../../bench/fuzz.ts";

const SEED = Number(process.env.DITTOFS_FUZZ_SEED ?? 1);
const BATCH = 50_000;

describe.each([
  ["nfs", 300_000],
  ["nfs4", 100_000],
  ["smb", 300_000],
] as const)("fuzzed %s frames against a daemon process", (protocol, FRAMES) => {
  let daemon: Awaited<ReturnType<typeof startDaemon>>;
  beforeAll(async () => {
    daemon = await startDaemon();
  });
  afterAll(() => daemon.stop());

  it(`survives ${FRAMES} frames with its clients working (seed ${SEED})`, { timeout: 180_000 }, async () => {
    const r = await fuzz(daemon, protocol, { frames: FRAMES, seed: SEED, batch: BATCH });
    expect({ crashes: r.crashes, clientFailures: r.clientFailures, seed: r.seed }).toEqual({
      crashes: 0,
      clientFailures: [],
      seed: SEED,
    });
    expect(r.frames).toBe(FRAMES);
  });
});
