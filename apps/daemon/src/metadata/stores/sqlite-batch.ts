/** The group-commit batch of the SQLite store and the errno its failures map to. */
import Database from "better-sqlite3";
import { FsError } from "../../domain/errors.ts";

/** SQLite failures as errno: a full database (max_page_count or disk) is ENOSPC, the rest EIO. */
export function toFsError(e: unknown): unknown {
  if (!(e instanceof Database.SqliteError)) return e;
  return new FsError(e.code === "SQLITE_FULL" ? "ENOSPC" : "EIO", `sqlite: ${e.message}`);
}

export interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: Error) => void;
}

export function deferred(): Deferred {
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
}
