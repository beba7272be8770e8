/**
 * The group commit of the SQLite store (sqlite.ts): its batches, the lazy members left
 * uncommitted, and the errno its failures map to.
 */
import Database from "better-sqlite3";
import { FsError } from "../../domain/errors.ts";
import { Mutex } from "../mutex.ts";

/** Transactions sharing one COMMIT at most. */
export const SQLITE_GROUP_COMMIT_MAX = 256;
/**
 * Longest a batch of only lazy transactions stays uncommitted when no durable transaction,
 * persist() or close() commits it first (as the payload's idle upload, 1 s after the last write).
 */
export const SQLITE_LAZY_COMMIT_MS = 1000;

/** SQLite failures as errno: a full database (max_page_count or disk) is ENOSPC, the rest EIO. */
export function toFsError(e: unknown): unknown {
  if (!(e instanceof Database.SqliteError)) return e;
  return new FsError(e.code === "SQLITE_FULL" ? "ENOSPC" : "EIO", `sqlite: ${e.message}`);
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: Error) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Every member of a batch may have failed already: the rejection then has no other listener.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

export interface Batch {
  size: number;
  committed: Deferred;
  /** Members that wait for the COMMIT (not lazy): the batch commits when its burst ends. */
  durable: number;
  /** Inodes lazy members changed: persist() of one of them commits the batch. */
  lazy: Set<bigint>;
  /** Commits a batch of lazy members only when nothing else has by then (SQLITE_LAZY_COMMIT_MS). */
  timer: NodeJS.Timeout | null;
}

type Statement = Pick<Database.Statement, "run">;

/**
 * Transactions one at a time (a mutex), each a SAVEPOINT (the store's body) inside a batch: a
 * member that finds others queued behind it leaves the batch open for them, and the last one of
 * a burst COMMITs for all; each durable member settles only after that COMMIT. A burst of only
 * lazy members leaves the batch open until a durable member, persist(), close() or
 * SQLITE_LAZY_COMMIT_MS commits it.
 */
export class GroupCommit {
  private readonly mutex = new Mutex();
  private batch: Batch | null = null;
  /** Inodes a lazy member of a batch SQLite rolled back had changed: their next persist() fails. */
  private readonly lostLazy = new Map<bigint, Error>();
  closed = false;

  constructor(
    private readonly db: Pick<Database.Database, "inTransaction">,
    private readonly st: { begin: Statement; commit: Statement; rollback: Statement },
    /** `lost`: a batch's writes are gone (the store forgets its caches); `committed`: one is durable. */
    private readonly on: { lost(): void; committed(): void },
  ) {}

  async run<T>(lazy: boolean, body: (batch: Batch) => Promise<T>): Promise<T> {
    try {
      const { out, committed } = await this.mutex.run(async () => {
        if (this.closed) throw new FsError("EIO", "store closed");
        const batch = this.openBatch();
        if (!lazy) batch.durable++;
        try {
          return { out: await body(batch), committed: batch.committed.promise };
        } finally {
          batch.size++;
          // A batch SQLite rolled back by itself was failed already and is no longer `this.batch`.
          const last = this.mutex.waiting === 0 || batch.size >= SQLITE_GROUP_COMMIT_MAX;
          if (this.batch === batch && last) this.burstEnded(batch);
        }
      });
      if (!lazy) await committed;
      return out;
    } catch (e) {
      throw toFsError(e);
    }
  }

  /** Commits what lazy members changed of these inodes, if not done yet; fails if it was lost. */
  async persist(ids: readonly bigint[]): Promise<void> {
    const lost = ids.map((id) => this.lostLazy.get(id)).find((e) => e !== undefined);
    if (lost !== undefined) {
      for (const id of ids) this.lostLazy.delete(id);
      throw lost;
    }
    const batch = this.batch;
    if (batch === null || !ids.some((id) => batch.lazy.has(id))) return;
    await this.commitOpen(batch);
    try {
      await batch.committed.promise;
    } finally {
      for (const id of ids) this.lostLazy.delete(id);
    }
  }

  /** After the running transactions: `last` (closing the store), with the open batch committed first. */
  close(last: () => Promise<void>): Promise<void> {
    return this.mutex.run(async () => {
      this.closed = true;
      this.commitBatch();
      await last();
    });
  }

  /** The last member of a burst: COMMIT, unless every member was lazy (then within SQLITE_LAZY_COMMIT_MS). */
  private burstEnded(batch: Batch): void {
    if (batch.durable > 0 || batch.lazy.size === 0 || batch.size >= SQLITE_GROUP_COMMIT_MAX) {
      this.commitBatch();
      return;
    }
    batch.timer ??= setTimeout(() => void this.commitOpen(batch).catch(() => {}), SQLITE_LAZY_COMMIT_MS);
    batch.timer.unref();
  }

  /** Commits `batch` if it is still the open one, after the transaction running now. */
  private async commitOpen(batch: Batch): Promise<void> {
    if (this.batch !== batch) return;
    await this.mutex.run(async () => {
      if (this.batch === batch) this.commitBatch();
    });
  }

  private openBatch(): Batch {
    if (this.batch !== null) {
      if (this.db.inTransaction) return this.batch;
      // SQLite ended the batch by itself between two members (an I/O or memory error in a read
      // outside them): a SAVEPOINT now would start a transaction of its own, outside the batch.
      this.lose(new FsError("EIO", "transaction ended by SQLite"));
    }
    // Every batch ends in COMMIT or ROLLBACK (lose); should one still be open, BEGIN would
    // fail with "cannot start a transaction within a transaction" on every call from now on.
    if (this.db.inTransaction) this.st.rollback.run();
    this.st.begin.run();
    this.batch = { size: 0, committed: deferred(), durable: 0, lazy: new Set(), timer: null };
    return this.batch;
  }

  private commitBatch(): void {
    const batch = this.batch;
    if (batch === null) return;
    try {
      this.st.commit.run();
      this.batch = null;
      if (batch.timer !== null) clearTimeout(batch.timer);
      batch.committed.resolve();
      this.on.committed();
    } catch (e) {
      this.lose(e);
    }
  }

  /** Ends the open batch without its writes and fails every member waiting for its COMMIT. */
  lose(cause: unknown): void {
    const batch = this.batch;
    this.batch = null;
    try {
      if (this.db.inTransaction) this.st.rollback.run();
    } catch {
      // openBatch rolls back again before the next BEGIN.
    }
    this.on.lost();
    const mapped = toFsError(cause);
    const err = mapped instanceof FsError ? mapped : new FsError("EIO", String(cause));
    const lost = new FsError(err.code, `sqlite batch rolled back: ${err.message}`);
    if (batch === null) return;
    if (batch.timer !== null) clearTimeout(batch.timer);
    for (const id of batch.lazy) this.lostLazy.set(id, lost);
    batch.committed.reject(lost);
  }
}
