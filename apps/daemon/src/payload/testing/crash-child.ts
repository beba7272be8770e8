/**
 * Crash test child: runs a seeded plan through DefaultPayloadService on a data dir and reports
 * "C <i>" on stdout once op i (and everything before it) must survive the kill: after a completed
 * commit, durable write, truncate or CLOSE (a CLOSE that sealed blocks is also reported as "K", to kill right after it). The parent SIGKILLs it at a random moment. Write-behind events
 * (docs/payload.md "Write-behind") are reported too, so the parent can count kills that land with
 * staged-but-unpublished blocks and kill some runs in the middle of a publish: "S" a block staged
 * (an unsynced temp file), "P" a publish started (fdatasync, rename), "p" one finished, "D" a
 * stage discarded, "L" a stage sealed by a CLOSE, "l" a sealed one published or discarded.
 * Usage: node --import tsx crash-child.ts <dataDir> <seed>
 */
import path from "node:path";
import pino from "pino";
import { FsBlockStore } from "../block-store/fs.ts";
import { DefaultPayloadService } from "../service.ts";
import type { BlockStore, StagedPut } from "../types.ts";
import { crashPlan, newPayload, opData, streamPayload } from "./crash-plan.ts";

/** Stages sealed so far (by CLOSEs). */
let seals = 0;

/**
 * Reports each block staged (its staging file's first write), publish and discard on stdout (a
 * pipe: written synchronously on Linux).
 */
function reportStages(store: BlockStore): void {
  const stage = store.stage?.bind(store);
  if (stage === undefined) return;
  const say = (s: string) => process.stdout.write(`${s}\n`);
  store.stage = (key): StagedPut => {
    const put = stage(key);
    let wrote = false;
    let sealed = false;
    const unsealed = () => {
      if (sealed) say("l");
      sealed = false;
    };
    return {
      write: async (offset, parts) => {
        await put.write(offset, parts);
        if (!wrote) say("S");
        wrote = true;
      },
      publish: async (opts) => {
        wrote = false; // a discard after the publish removes nothing
        say("P");
        await put.publish(opts);
        say("p");
        unsealed();
      },
      discard: async () => {
        if (wrote) say("D");
        await put.discard();
        unsealed();
      },
      seal: async (crc, length) => {
        await put.seal!(crc, length);
        sealed = true;
        seals++;
        say("L");
      },
    };
  };
}

const SHARE = "/crash";

async function main(): Promise<void> {
  const [dataDir, seedArg] = process.argv.slice(2);
  if (dataDir === undefined || seedArg === undefined) throw new Error("usage: crash-child <dataDir> <seed>");
  const store = await new FsBlockStore(path.join(dataDir, "blocks")).open();
  reportStages(store);
  const svc = new DefaultPayloadService({
    logger: pino({ level: "warn" }, pino.destination(2)),
    cacheSizeBytes: 16 * 1024 * 1024,
    walDir: path.join(dataDir, "wal"),
    transferConcurrency: 2,
    walSegmentBytesMax: 1024 * 1024,
    idleUploadMs: 30,
  });
  await svc.addShare(SHARE, store);
  svc.created(SHARE, newPayload(Number(seedArg)));
  svc.created(SHARE, streamPayload(Number(seedArg)));
  process.stdout.write("READY\n");
  const ops = crashPlan(Number(seedArg));
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (op.kind === "write") {
      await svc.writeAt(SHARE, op.id, op.off, opData(op), op.durable ? "file_sync" : "unstable");
      if (op.durable) process.stdout.write(`C ${i}\n`);
    } else if (op.kind === "commit") {
      await svc.commit(SHARE, op.id);
      process.stdout.write(`C ${i}\n`);
    } else if (op.kind === "close") {
      const before = seals;
      await svc.closeFile(SHARE, op.id);
      process.stdout.write(seals > before ? `C ${i}\nK\n` : `C ${i}\n`);
    } else if (op.kind === "pause") {
      await new Promise((resolve) => setTimeout(resolve, op.ms));
    } else if (op.kind === "delete") {
      await svc.delete(SHARE, op.id); // not durable by itself: no report
    } else {
      await svc.truncate(SHARE, op.id, op.size);
      process.stdout.write(`C ${i}\n`);
    }
  }
  process.stdout.write("DONE\n");
  // Stay alive (uploads continue) until the parent's SIGKILL.
  setInterval(() => {}, 1000);
}

main().catch((e) => {
  process.stderr.write(`crash child failed: ${(e as Error).stack}\n`);
  process.exit(3);
});
