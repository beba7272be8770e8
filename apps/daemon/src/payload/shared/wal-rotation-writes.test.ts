/**
 * Regression test for the scale-out benchmark's "write small" failure (issue 9): with several
 * clients, the 1 KiB WRITE right after CREATE, after the sequential phase, failed with EIO and
 * nothing in any log. Cause: once everything was uploaded (shared mode: right after COMMIT), the
 * WAL's reclaim rotated its over-1-MiB segment, and an append landing during that rotation wrote
 * to the file handle being closed ("wal write: file closed"): an FsError EIO the NFS layer answers
 * as NFS3ERR_IO without logging. Fixed in wal.ts (77f7084: appends wait for the new handle). This
 * replays the pattern at the payload service; against the code before that fix it failed 4 runs
 * out of 4 with exactly that error.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, beforeEach, expect, it } from "vitest";
import { FsBlockStore } from "../block-store/fs.ts";
import { DefaultPayloadService } from "../service.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
/** Rounds per client of: a sequential file (over 1 MiB of WAL), COMMIT, a pause, a small file. */
const ROUNDS = 20;
const SEQ_BYTES = 1536 * KiB;
let dir: string;
let svc: DefaultPayloadService | null = null;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dittofs-walrot-"));
});
afterEach(async () => {
  await svc?.close();
  svc = null;
  await rm(dir, { recursive: true, force: true });
});

it("a small write right after large committed ones succeeds while the WAL rotates", async () => {
  svc = new DefaultPayloadService({
    logger: pino({ level: "silent" }),
    cacheSizeBytes: 64 * MiB,
    walDir: path.join(dir, "wal"),
    transferConcurrency: 4,
  });
  const store = new FsBlockStore(path.join(dir, "blocks"));
  // Shared mode: COMMIT returns once the blocks are stored, so the WAL is clean and a reclaim
  // rotation of its (over 1 MiB) segment starts RECLAIM_DELAY_MS later: the next small file's
  // write is made to land around it.
  await svc.addShare("/s", store, { shared: true });
  const s = svc;
  const client = async (c: number) => {
    for (let r = 0; r < ROUNDS; r++) {
      const seq = `seq-${c}-${r}`;
      for (let off = 0; off < SEQ_BYTES; off += 64 * KiB) {
        await s.writeAt("/s", seq, off, Buffer.alloc(64 * KiB, r + 1));
      }
      await s.commit("/s", seq);
      await new Promise((resolve) => setTimeout(resolve, 30 + ((r * 11 + c * 17) % 60)));
      const small = `small-${c}-${r}`;
      await s.writeAt("/s", small, 0, Buffer.alloc(KiB, r + 1));
      await s.commit("/s", small);
    }
  };
  await Promise.all([0, 1, 2, 3].map(client));
  for (let c = 0; c < 4; c++) {
    for (let r = 0; r < ROUNDS; r++) {
      expect((await s.readAt("/s", `small-${c}-${r}`, 0, KiB)).every((b) => b === r + 1)).toBe(true);
    }
  }
  await store.close();
}, 60_000);
