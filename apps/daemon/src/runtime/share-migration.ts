/**
 * Share migrations (docs/architecture.md "Moving a share's blocks"): a share's blocks moved to
 * another block store while it stays mounted, readable and writable. The job copies every block,
 * catches up with what the engine changed meanwhile, mirrors changes to both stores, verifies
 * every block, then records the new store and switches the engine to it; the old copy is kept
 * until an admin confirms. A job in progress is written to `<dataDir>/share-migrations.json` and
 * starts over (skipping blocks already copied) after a restart; before the switch the old store
 * holds everything, so a crash at any point loses nothing.
 */
import { readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { inUse, invalid, notFound } from "../control/errors.ts";
import type { MigrationStatus } from "../control/runtime-control.ts";
import type { NewAuditRow } from "../domain/logon.ts";
import type { PayloadFile } from "../metadata/ops/payloads.ts";
import { MigratingBlockStore } from "../payload/migrating-store.ts";
import type { BlockStore } from "../payload/types.ts";
import type { LiveStores } from "./live-stores.ts";
import {
  type CopyProgress,
  catchUpAndMirror,
  copyFiles,
  removeFiles,
  verifyFiles,
} from "./migration-copy.ts";
import type { RuntimeShares } from "./runtime-shares.ts";
import type { RuntimeServices } from "./services.ts";

const STATE_FILE = "share-migrations.json";

interface Persisted {
  share: string;
  from: string;
  to: string;
  phase: MigrationStatus["phase"];
  startedAt: string;
}

interface Job extends Persisted, CopyProgress {
  filesTotal: number;
  bytesTotal: number;
  runStartedMs: number;
  error: string | null;
  abort: AbortController;
  /** Why `abort` fired: a cancel discards the copy, a daemon stop keeps the job for a restart. */
  stopReason: "cancel" | "stop" | null;
  done: Promise<void>;
}

const ACTIVE: ReadonlySet<MigrationStatus["phase"]> = new Set(["copying", "verifying"]);

export interface ShareMigrationDeps {
  services: RuntimeServices;
  stores: LiveStores;
  shares: RuntimeShares;
  dataDir: string;
  logger: Logger;
  audit(row: NewAuditRow): Promise<void>;
}

export class ShareMigrations {
  readonly #jobs = new Map<string, Job>();

  constructor(private readonly deps: ShareMigrationDeps) {}

  /** Whether a share's stores must not change now (a copy is running). */
  active(share: string): boolean {
    const job = this.#jobs.get(share);
    return job !== undefined && ACTIVE.has(job.phase);
  }

  /** A running or unconfirmed migration that copies from or to this block store, if any. */
  using(store: string): string | undefined {
    for (const job of this.#jobs.values()) {
      if ((ACTIVE.has(job.phase) || job.phase === "switched") && (job.from === store || job.to === store))
        return job.share;
    }
    return undefined;
  }

  list(): MigrationStatus[] {
    return [...this.#jobs.values()].map(statusOf);
  }

  get(share: string): MigrationStatus | null {
    const job = this.#jobs.get(share);
    return job === undefined ? null : statusOf(job);
  }

  start(share: string, to: string): MigrationStatus {
    const live = this.deps.shares.get(share);
    if (live === undefined) throw notFound("share", share);
    const previous = this.#jobs.get(share);
    if (previous !== undefined && ACTIVE.has(previous.phase))
      throw inUse(`share ${share} is already moving to block store ${previous.to}`, "blockStore");
    if (previous?.phase === "switched")
      throw inUse(
        `share ${share}'s previous migration kept the old copy in block store ${previous.from}: confirm it first`,
        "blockStore",
      );
    if (to === live.blockStore) throw invalid("blockStore", `share ${share} already uses block store ${to}`);
    if (this.deps.stores.block(to) === undefined) throw notFound("block store", to, "blockStore");
    const job = this.#newJob({
      share,
      from: live.blockStore,
      to,
      phase: "copying",
      startedAt: new Date().toISOString(),
    });
    this.#run(job, false);
    return statusOf(job);
  }

  /** Stops a copy in progress; the share stays on its old store and the partial copy is removed. */
  async cancel(share: string): Promise<MigrationStatus> {
    const job = this.#jobs.get(share);
    if (job === undefined || !ACTIVE.has(job.phase))
      throw notFound("migration in progress for share", share, "name");
    job.stopReason = "cancel";
    job.abort.abort();
    await job.done;
    return statusOf(job);
  }

  /** After the switch: removes the old copy of the share's blocks and forgets the job. */
  async confirm(share: string): Promise<MigrationStatus> {
    const job = this.#jobs.get(share);
    if (job?.phase !== "switched") throw notFound("switched migration of share", share, "name");
    const old = this.deps.stores.block(job.from);
    if (old !== undefined) await removeFiles(old, await this.deps.services.metadata.payloads(share));
    job.phase = "done";
    this.#jobs.delete(share);
    await this.#save();
    return statusOf(job);
  }

  /** A deleted share's ended or unconfirmed job goes with it (its old copy stays in the store). */
  async forget(share: string): Promise<void> {
    const job = this.#jobs.get(share);
    if (job === undefined || ACTIVE.has(job.phase)) return;
    this.#jobs.delete(share);
    await this.#save();
  }

  /** Restarts the jobs a stop or crash interrupted (after every share is registered). */
  async resumeAll(): Promise<void> {
    let saved: Persisted[] = [];
    try {
      saved = JSON.parse(readFileSync(join(this.deps.dataDir, STATE_FILE), "utf8")) as Persisted[];
    } catch {
      return; // none yet
    }
    for (const p of saved) {
      const job = this.#newJob(p);
      const live = this.deps.shares.get(p.share);
      if (live?.blockStore === p.to) job.phase = "switched"; // stopped after the switch was recorded
      if (!ACTIVE.has(job.phase)) continue;
      if (live === undefined || this.deps.stores.block(p.to) === undefined) {
        job.phase = "failed";
        job.error = "the share or its new block store is not available after the restart";
        continue;
      }
      job.phase = "copying";
      this.#run(job, true);
    }
  }

  /** Daemon stop: running copies stop where they are and resume after the restart. */
  async stopAll(): Promise<void> {
    for (const job of this.#jobs.values()) {
      if (!ACTIVE.has(job.phase)) continue;
      job.stopReason = "stop";
      job.abort.abort();
    }
    await Promise.all([...this.#jobs.values()].map((j) => j.done));
  }

  #newJob(p: Persisted): Job {
    const job: Job = {
      ...p,
      filesTotal: 0,
      bytesTotal: 0,
      filesDone: 0,
      bytesDone: 0,
      runStartedMs: Date.now(),
      error: null,
      abort: new AbortController(),
      stopReason: null,
      done: Promise.resolve(),
    };
    this.#jobs.set(p.share, job);
    return job;
  }

  #run(job: Job, resumed: boolean): void {
    job.done = this.#execute(job, resumed).catch((err: unknown) => {
      this.deps.logger.error({ err, share: job.share }, "share migration failed");
    });
  }

  async #execute(job: Job, resumed: boolean): Promise<void> {
    const { services, stores, logger } = this.deps;
    const from = stores.block(job.from);
    const to = stores.block(job.to);
    if (from === undefined || to === undefined) return this.#fail(job, "a block store is not open");
    const m = new MigratingBlockStore(from, to);
    try {
      await services.payload.replaceBlockStore(job.share, m);
    } catch (err) {
      return this.#fail(job, (err as Error).message);
    }
    await this.#save();
    logger.info({ share: job.share, from: job.from, to: job.to, resumed }, "share migration started");
    let files: PayloadFile[] = [];
    try {
      files = await this.#copy(job, m, resumed);
      await this.#switch(job, m, to);
    } catch (err) {
      await this.#restore(job.share, from);
      if (job.stopReason === "stop") return; // resumes after the restart
      if (job.stopReason !== "cancel") job.error = (err as Error).message;
      job.phase = job.stopReason === "cancel" ? "cancelled" : "failed";
      await removeFiles(to, files).catch((e: unknown) =>
        logger.warn({ err: e, share: job.share }, "abandoned copy not removed"),
      );
      await this.#save();
      await this.#audit(job, job.error ?? "cancelled");
    }
  }

  /** Copy, catch up, mirror and verify; returns the files it covered (to clean up on failure). */
  async #copy(job: Job, m: MigratingBlockStore, resumed: boolean): Promise<PayloadFile[]> {
    const signal = job.abort.signal;
    // Buffered dirty data is uploaded through the migrating store, so it is logged and copied.
    await this.deps.services.payload.flushAll();
    const files = await this.deps.services.metadata.payloads(job.share);
    this.#totals(job, files);
    await copyFiles(m, files, job, signal, resumed);
    await catchUpAndMirror(m, signal);
    job.phase = "verifying";
    const all = await this.deps.services.metadata.payloads(job.share);
    this.#totals(job, all);
    const repaired = await verifyFiles(m, all, job, signal);
    if (repaired > 0) this.deps.logger.warn({ share: job.share, repaired }, "blocks repaired by verify");
    return all;
  }

  #totals(job: Job, files: readonly PayloadFile[]): void {
    job.filesTotal = files.length;
    job.bytesTotal = files.reduce((n, f) => n + f.size, 0);
    job.filesDone = 0;
    job.bytesDone = 0;
    job.runStartedMs = Date.now();
  }

  /** Records the new store (the old one still mirrored, so a crash here loses nothing), then switches. */
  async #switch(job: Job, m: MigratingBlockStore, to: BlockStore): Promise<void> {
    job.abort.signal.throwIfAborted();
    await this.deps.shares.switchBlockStore(job.share, job.to);
    m.mode = "target";
    await this.#restore(job.share, to);
    job.phase = "switched";
    await this.#save();
    await this.#audit(job, null);
    this.deps.logger.info({ share: job.share, to: job.to }, "share migration switched");
  }

  async #restore(share: string, store: BlockStore): Promise<void> {
    try {
      await this.deps.services.payload.replaceBlockStore(share, store);
    } catch {
      // The share was unregistered meanwhile (a stop): it registers with its recorded store.
    }
  }

  #fail(job: Job, message: string): void {
    job.phase = "failed";
    job.error = message;
  }

  #audit(job: Job, error: string | null): Promise<void> {
    return this.deps
      .audit({
        actor: "system",
        action: "shares.migration",
        target: job.share,
        result: error === null ? "ok" : "error",
        detail: error ?? `switched from block store ${job.from} to ${job.to}; old copy kept`,
      })
      .catch((err: unknown) => this.deps.logger.error({ err }, "audit write failed"));
  }

  async #save(): Promise<void> {
    const rows: Persisted[] = [...this.#jobs.values()]
      .filter((j) => ACTIVE.has(j.phase) || j.phase === "switched")
      .map(({ share, from, to, phase, startedAt }) => ({ share, from, to, phase, startedAt }));
    const path = join(this.deps.dataDir, STATE_FILE);
    await writeFile(`${path}.tmp`, JSON.stringify(rows), { mode: 0o600 });
    await rename(`${path}.tmp`, path);
  }
}

function statusOf(job: Job): MigrationStatus {
  const elapsedS = (Date.now() - job.runStartedMs) / 1000;
  const rate = elapsedS > 0 ? job.bytesDone / elapsedS : 0;
  const left = Math.max(job.bytesTotal - job.bytesDone, 0);
  return {
    share: job.share,
    from: job.from,
    to: job.to,
    phase: job.phase,
    startedAt: job.startedAt,
    files: { done: job.filesDone, total: job.filesTotal },
    bytes: { done: job.bytesDone, total: job.bytesTotal },
    etaSeconds: ACTIVE.has(job.phase) && rate > 0 ? Math.ceil(left / rate) : null,
    error: job.error,
  };
}
