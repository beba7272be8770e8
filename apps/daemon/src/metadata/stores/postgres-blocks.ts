/**
 * The shared-content side of the PostgreSQL metadata store (docs/architecture.md "Scale-out"): the block map
 * every daemon's payload engine commits to and validates against, and what the block sweeper asks
 * before deleting a key. Tables (created with the store's schema):
 *
 *   dfs_payloads (payload_id PK, generation, changed_ms)  one row per payload that ever committed;
 *                                                         generation bumps on every change
 *   dfs_blocks   (payload_id, block) PK → version         the committed version of each block
 *   dfs_legacy_blocks (payload_id, block) PK, superseded_ms  unversioned keys adopted at upgrade
 *                                                         (payload/shared/legacy.ts); superseded_ms
 *                                                         set by the sweeper when first unreferenced
 *   dfs_legacy_scans (scope PK, done_ms)                  shares whose bucket scan has finished
 *
 * Every change takes the payload row first (INSERT … ON CONFLICT DO UPDATE locks it), then the
 * block rows, in one statement: commits of one payload serialize on that row and cannot deadlock.
 */
import type pg from "pg";
import {
  type BlockVersions,
  checkIndexes,
  legacyRefOf,
  referenceKeyOf,
  type SharedContentStore,
  type VersionedKey,
} from "../../domain/block-map.ts";
import { FsError } from "../../domain/errors.ts";
import { BLOCK_SIZE_BYTES } from "../../domain/limits.ts";

export const SHARED_CONTENT_SCHEMA = `
CREATE TABLE IF NOT EXISTS dfs_payloads (
  payload_id text PRIMARY KEY, generation bigint NOT NULL, changed_ms bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS dfs_blocks (
  payload_id text NOT NULL, block bigint NOT NULL, version text NOT NULL,
  PRIMARY KEY (payload_id, block)
);
CREATE TABLE IF NOT EXISTS dfs_legacy_blocks (
  payload_id text NOT NULL, block bigint NOT NULL, superseded_ms bigint,
  PRIMARY KEY (payload_id, block)
);
CREATE TABLE IF NOT EXISTS dfs_legacy_scans (scope text PRIMARY KEY, done_ms bigint NOT NULL);
CREATE INDEX IF NOT EXISTS dfs_inodes_payload ON dfs_inodes (payload_id);
`;

/** One sweeper at a time across every daemon on this database. */
const SWEEP_LOCK_KEY = 0x64667332; // "dfs2"
/** One adoption scan at a time across every daemon on this database (legacy.ts). */
const ADOPT_LOCK_KEY = 0x64667333; // "dfs3"
/** Keys classified per query by the sweeper. */
export const CLASSIFY_KEYS_MAX = 1000;

const BUMP = `
  INSERT INTO dfs_payloads (payload_id, generation, changed_ms) VALUES ($1, 1, $2)
  ON CONFLICT (payload_id) DO UPDATE
    SET generation = dfs_payloads.generation + 1, changed_ms = excluded.changed_ms
  RETURNING generation`;

const Q = {
  generation: "SELECT generation FROM dfs_payloads WHERE payload_id = $1",
  versions:
    "SELECT p.generation, b.block, b.version FROM dfs_payloads p " +
    "LEFT JOIN dfs_blocks b ON b.payload_id = p.payload_id AND b.block = ANY($2::bigint[]) " +
    "WHERE p.payload_id = $1",
  // The block statements read g, so the payload row is locked before any block row.
  commitBlock: `WITH g AS (${BUMP}),
    d AS (DELETE FROM dfs_blocks b USING g WHERE $4::text IS NULL AND b.payload_id = $1 AND b.block = $3),
    u AS (INSERT INTO dfs_blocks (payload_id, block, version) SELECT $1, $3, $4 FROM g WHERE $4::text IS NOT NULL
          ON CONFLICT (payload_id, block) DO UPDATE SET version = excluded.version)
    SELECT generation FROM g`,
  truncate: `WITH g AS (${BUMP}),
    d AS (DELETE FROM dfs_blocks b USING g WHERE b.payload_id = $1 AND b.block >= $3)
    SELECT generation FROM g`,
  dropDead:
    "DELETE FROM dfs_blocks b USING dfs_payloads p WHERE b.payload_id = p.payload_id " +
    "AND NOT EXISTS (SELECT 1 FROM dfs_inodes i WHERE i.payload_id = p.payload_id)",
  known:
    "SELECT payload_id FROM dfs_payloads WHERE payload_id = ANY($1::text[]) " +
    "UNION SELECT payload_id FROM dfs_inodes WHERE payload_id = ANY($1::text[])",
  referenced: "SELECT payload_id, block, version FROM dfs_blocks WHERE payload_id = ANY($1::text[])",
  forgetDead:
    "DELETE FROM dfs_payloads p WHERE changed_ms < $1 AND NOT (payload_id = ANY($2::text[])) " +
    "AND NOT EXISTS (SELECT 1 FROM dfs_inodes i WHERE i.payload_id = p.payload_id) " +
    "AND NOT EXISTS (SELECT 1 FROM dfs_blocks b WHERE b.payload_id = p.payload_id)",
  legacyScanDone: "SELECT 1 FROM dfs_legacy_scans WHERE scope = $1",
  markLegacyScanDone:
    "INSERT INTO dfs_legacy_scans (scope, done_ms) VALUES ($1, $2) ON CONFLICT (scope) DO NOTHING",
  // One statement, so one transaction: the payload row (absent: no map yet, nothing shared mode
  // wrote) is inserted first and everything else hangs off it, so a second adopter does nothing.
  // A block's adopted length stops at the largest size an inode gives the payload.
  adoptLegacy: `WITH sz AS (SELECT max(size) AS size FROM dfs_inodes WHERE payload_id = $1),
    p AS (INSERT INTO dfs_payloads (payload_id, generation, changed_ms)
          SELECT $1, 1, $2 FROM sz WHERE sz.size IS NOT NULL
          ON CONFLICT (payload_id) DO NOTHING RETURNING payload_id),
    l AS (INSERT INTO dfs_legacy_blocks (payload_id, block) SELECT $1, b FROM p, unnest($3::bigint[]) b
          ON CONFLICT DO NOTHING),
    m AS (INSERT INTO dfs_blocks (payload_id, block, version)
          SELECT $1, b, 'legacy:' || least($4::bigint, sz.size - b * $4::bigint)
          FROM p, sz, unnest($3::bigint[]) b WHERE b * $4::bigint < sz.size
          ON CONFLICT DO NOTHING)
    SELECT count(*)::int AS n FROM p`,
  legacyStamp: `UPDATE dfs_legacy_blocks l SET superseded_ms = $3
    FROM unnest($1::text[], $2::bigint[]) k(p, b)
    WHERE l.payload_id = k.p AND l.block = k.b AND l.superseded_ms IS NULL
      AND NOT EXISTS (SELECT 1 FROM dfs_blocks d WHERE d.payload_id = l.payload_id
                      AND d.block = l.block AND d.version LIKE 'legacy:%')`,
  legacyState: `SELECT l.payload_id, l.block, l.superseded_ms,
      EXISTS (SELECT 1 FROM dfs_blocks d WHERE d.payload_id = l.payload_id
              AND d.block = l.block AND d.version LIKE 'legacy:%') AS referenced
    FROM dfs_legacy_blocks l JOIN unnest($1::text[], $2::bigint[]) k(p, b)
      ON l.payload_id = k.p AND l.block = k.b`,
  forgetLegacy: `DELETE FROM dfs_legacy_blocks l USING unnest($1::text[], $2::bigint[]) k(p, b)
    WHERE l.payload_id = k.p AND l.block = k.b`,
} as const;

export class PgSharedContent implements SharedContentStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly toFsError: (e: unknown) => FsError,
    readonly setCacheTtlMs?: (ms: number) => void,
  ) {}

  private async query(name: keyof typeof Q, values: unknown[]): Promise<pg.QueryResult> {
    try {
      return await this.pool.query({ name: `dfs_sc_${name}`, text: Q[name], values });
    } catch (e) {
      throw this.toFsError(e);
    }
  }

  async generation(payloadId: string): Promise<bigint> {
    const { rows } = await this.query("generation", [payloadId]);
    return rows[0] === undefined ? 0n : BigInt(rows[0].generation);
  }

  async versions(payloadId: string, indexes: readonly number[]): Promise<BlockVersions> {
    checkIndexes(indexes);
    const { rows } = await this.query("versions", [payloadId, indexes.map(String)]);
    const versions = new Map<number, string>();
    for (const r of rows) if (r.block !== null) versions.set(Number(r.block), r.version as string);
    return { generation: rows[0] === undefined ? 0n : BigInt(rows[0].generation), versions };
  }

  async commitBlock(payloadId: string, index: number, version: string | null): Promise<bigint> {
    const { rows } = await this.query("commitBlock", [payloadId, Date.now(), index, version]);
    return BigInt(rows[0].generation);
  }

  async truncate(payloadId: string, from: number): Promise<bigint> {
    const { rows } = await this.query("truncate", [payloadId, Date.now(), from]);
    return BigInt(rows[0].generation);
  }

  async withSweepLock(fn: () => Promise<void>): Promise<boolean> {
    return (await this.withSessionLock(SWEEP_LOCK_KEY, false, fn)).held;
  }

  async dropDeadPayloads(): Promise<number> {
    return (await this.query("dropDead", [])).rowCount ?? 0;
  }

  async classify(keys: readonly VersionedKey[]): Promise<{ known: Set<string>; referenced: Set<string> }> {
    if (keys.length > CLASSIFY_KEYS_MAX) throw new FsError("EINVAL", `${keys.length} keys to classify`);
    const ids = [...new Set(keys.map((k) => k.payloadId))];
    const known = new Set<string>();
    const referenced = new Set<string>();
    if (ids.length === 0) return { known, referenced };
    for (const r of (await this.query("known", [ids])).rows) known.add(r.payload_id as string);
    for (const r of (await this.query("referenced", [ids])).rows) {
      referenced.add(
        referenceKeyOf({
          payloadId: r.payload_id as string,
          block: Number(r.block),
          version: r.version as string,
        }),
      );
    }
    return { known, referenced };
  }

  async withAdoptLock<T>(fn: () => Promise<T>): Promise<T> {
    const r = await this.withSessionLock(ADOPT_LOCK_KEY, true, fn);
    if (!r.held) throw new FsError("EIO", "adopt lock not taken"); // pg_advisory_lock waits: unreachable
    return r.value;
  }

  /**
   * Runs fn under a session advisory lock on a connection of its own, so a daemon that dies
   * mid-work releases the lock with its socket. wait=false: {held: false} if another holds it.
   */
  private async withSessionLock<T>(
    key: number,
    wait: boolean,
    fn: () => Promise<T>,
  ): Promise<{ held: true; value: T } | { held: false }> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw this.toFsError(e);
    }
    try {
      const sql = wait
        ? `SELECT true AS ok, pg_advisory_lock(${key})`
        : `SELECT pg_try_advisory_lock(${key}) AS ok`;
      const { rows } = await client.query(sql);
      if (rows[0].ok !== true) return { held: false };
      try {
        return { held: true, value: await fn() };
      } finally {
        await client.query(`SELECT pg_advisory_unlock(${key})`).catch(() => {});
      }
    } catch (e) {
      throw this.toFsError(e);
    } finally {
      client.release();
    }
  }

  async legacyScanDone(scope: string): Promise<boolean> {
    return ((await this.query("legacyScanDone", [scope])).rowCount ?? 0) > 0;
  }

  async markLegacyScanDone(scope: string): Promise<void> {
    await this.query("markLegacyScanDone", [scope, Date.now()]);
  }

  async adoptLegacy(payloadId: string, blocks: readonly number[]): Promise<boolean> {
    const { rows } = await this.query("adoptLegacy", [
      payloadId,
      Date.now(),
      blocks.map(String),
      BLOCK_SIZE_BYTES,
    ]);
    return rows[0].n > 0;
  }

  async legacyGarbage(
    keys: readonly { payloadId: string; block: number }[],
    beforeMs: number,
  ): Promise<{ deletable: Set<string>; pending: Set<string> }> {
    if (keys.length > CLASSIFY_KEYS_MAX) throw new FsError("EINVAL", `${keys.length} keys to classify`);
    const deletable = new Set<string>();
    const pending = new Set<string>();
    if (keys.length === 0) return { deletable, pending };
    const ids = keys.map((k) => k.payloadId);
    const blocks = keys.map((k) => String(k.block));
    await this.query("legacyStamp", [ids, blocks, Date.now()]);
    for (const r of (await this.query("legacyState", [ids, blocks])).rows) {
      const k = { payloadId: r.payload_id as string, block: Number(r.block) };
      const since = r.superseded_ms === null ? null : Number(r.superseded_ms);
      if (r.referenced !== true && since !== null && since < beforeMs) deletable.add(legacyRefOf(k));
      else pending.add(k.payloadId);
    }
    return { deletable, pending };
  }

  async forgetLegacy(keys: readonly { payloadId: string; block: number }[]): Promise<void> {
    if (keys.length === 0) return;
    await this.query("forgetLegacy", [keys.map((k) => k.payloadId), keys.map((k) => String(k.block))]);
  }

  async forgetDeadPayloads(beforeMs: number, keep: readonly string[]): Promise<number> {
    return (await this.query("forgetDead", [beforeMs, [...keep]])).rowCount ?? 0;
  }
}
