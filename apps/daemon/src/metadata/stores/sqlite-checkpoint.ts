/**
 * WAL checkpoints off the event loop. A checkpoint copies the WAL's pages into the database file
 * and (synchronous=NORMAL) fsyncs both: measured 17–145 ms here. SQLite's automatic checkpoint runs
 * inside the COMMIT that crosses the threshold, on the thread that commits — the daemon's only
 * thread, so every NFS and SMB client stalled behind it. Here a worker thread with its own
 * connection runs `wal_checkpoint(PASSIVE)` when the store asks (every N commits): PASSIVE never
 * blocks the writer, and once it has copied every frame the writer's next transaction rewinds the
 * WAL. Durability is unchanged (commits are in the WAL either way; the checkpoint only moves them).
 *
 * The worker starts at the first request, so a store that commits little (tests, idle shares)
 * never starts one. The store keeps SQLite's automatic checkpoint at a higher threshold: under a
 * steady writer the WAL rewinds only after a checkpoint the writer itself ran, and by then the
 * worker has copied all but the last frames, so that one is short.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { Logger } from "pino";

/** Commits between two checkpoint requests (a create writes ~4 pages: ~2,000 pages of WAL). */
export const SQLITE_CHECKPOINT_EVERY_COMMITS = 512;
/** Longest wait for a checkpoint in progress when the store closes. */
const CLOSE_WAIT_MS = 30_000;

/** Plain CommonJS: worker threads do not go through the TypeScript loader. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma("busy_timeout = 5000");
db.pragma("wal_autocheckpoint = 0");
parentPort.on("message", (m) => {
  if (m !== "checkpoint") {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const r = db.pragma("wal_checkpoint(PASSIVE)")[0];
    parentPort.postMessage({ ok: true, log: r.log, checkpointed: r.checkpointed });
  } catch (e) {
    parentPort.postMessage({ ok: false, error: String((e && e.message) || e) });
  }
});
`;

export interface CheckpointCounters {
  /** Checkpoints the worker finished. */
  done: number;
  /** Frames in the WAL and frames copied, as the last checkpoint reported them. */
  lastLog: number;
  lastCheckpointed: number;
  failed: number;
}

type Reply = { ok: true; log: number; checkpointed: number } | { ok: false; error: string };

export class SqliteCheckpointer {
  private worker: Worker | null = null;
  private inFlight = false;
  private commits = 0;
  private closed = false;
  private exited: Promise<void> = Promise.resolve();
  readonly counters: CheckpointCounters = { done: 0, lastLog: 0, lastCheckpointed: 0, failed: 0 };

  constructor(
    private readonly path: string,
    private readonly everyCommits: number = SQLITE_CHECKPOINT_EVERY_COMMITS,
    private readonly logger?: Logger,
  ) {}

  /** Called after each COMMIT; asks for a checkpoint every `everyCommits` (one at a time). */
  committed(): void {
    if (++this.commits < this.everyCommits || this.inFlight || this.closed) return;
    this.commits = 0;
    try {
      this.start().postMessage("checkpoint");
      this.inFlight = true;
    } catch (err) {
      // No worker (out of threads or memory): SQLite's own checkpoint still bounds the WAL.
      this.counters.failed++;
      this.logger?.warn({ err, path: this.path }, "sqlite checkpoint worker did not start");
    }
  }

  private start(): Worker {
    if (this.worker !== null) return this.worker;
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { path: this.path, driver } });
    w.unref();
    w.on("message", (r: Reply) => this.onReply(r));
    w.on("error", (err) => {
      this.counters.failed++;
      this.logger?.warn({ err, path: this.path }, "sqlite checkpoint worker failed");
    });
    this.exited = new Promise((res) => w.once("exit", () => res()));
    w.once("exit", () => {
      // A crashed worker is replaced at the next request; SQLite's own checkpoint covers meanwhile.
      if (this.worker === w) this.worker = null;
      this.inFlight = false;
    });
    this.worker = w;
    return w;
  }

  private onReply(r: Reply): void {
    this.inFlight = false;
    if (r.ok) {
      this.counters.done++;
      this.counters.lastLog = r.log;
      this.counters.lastCheckpointed = r.checkpointed;
    } else {
      this.counters.failed++;
      this.logger?.warn({ path: this.path, error: r.error }, "sqlite checkpoint failed");
    }
  }

  /** Lets a running checkpoint finish, then closes the worker's connection. */
  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    if (w === null) return;
    w.postMessage("close");
    const timer = setTimeout(() => void w.terminate(), CLOSE_WAIT_MS);
    await this.exited;
    clearTimeout(timer);
  }
}
