/**
 * The shared-content side of the PostgreSQL metadata store (design.md "Scale-out"): the block map
 * every daemon's payload engine commits to and validates against, and what the block sweeper asks
 * before deleting a key. Tables (created with the store's schema):
 *
 *   dfs_payloads (payload_id PK, generation, changed_ms)  one row per payload that ever committed;
 *                                                         generation bumps on every change
 *   dfs_blocks   (payload_id, block) PK → version         the committed version of each block
 *
 * Every change takes the payload row first (INSERT … ON CONFLICT DO UPDATE locks it), then the
 * block rows, in one statement: commits of one payload serialize on that row and cannot deadlock.
 */
import type pg from "pg";
import { FsError } from "../../errors.ts";
import {
  type BlockVersions,
  checkIndexes,
  referenceKeyOf,
  type SharedContentStore,
} from "../../payload/shared/block-map.ts";
import type { VersionedKey } from "../../payload/shared/versions.ts";

export const SHARED_CONTENT_SCHEMA = `
CREATE TABLE IF NOT EXISTS dfs_payloads (
  payload_id text PRIMARY KEY, generation bigint NOT NULL, changed_ms bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS dfs_blocks (
  payload_id text NOT NULL, block bigint NOT NULL, version text NOT NULL,
  PRIMARY KEY (payload_id, block)
);
CREATE INDEX IF NOT EXISTS dfs_inodes_payload ON dfs_inodes (payload_id);
`;

/** One sweeper at a time across every daemon on this database. */
const SWEEP_LOCK_KEY = 0x64667332; // "dfs2"
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
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw this.toFsError(e);
    }
    try {
      const { rows } = await client.query(`SELECT pg_try_advisory_lock(${SWEEP_LOCK_KEY}) AS ok`);
      if (rows[0].ok !== true) return false;
      try {
        await fn();
      } finally {
        await client.query(`SELECT pg_advisory_unlock(${SWEEP_LOCK_KEY})`).catch(() => {});
      }
      return true;
    } catch (e) {
      throw this.toFsError(e);
    } finally {
      client.release();
    }
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

  async forgetDeadPayloads(beforeMs: number, keep: readonly string[]): Promise<number> {
    return (await this.query("forgetDead", [beforeMs, [...keep]])).rowCount ?? 0;
  }
}
