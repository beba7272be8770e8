/**
 * PostgreSQL metadata store (pg pool). Several daemons may share it, so its read cache is small
 * and short-lived (PG_CACHE_TTL_MS, like an NFS client's attribute cache); this daemon's own
 * commits invalidate it at once, so within one daemon reads are coherent.
 * Transactions run at READ COMMITTED with explicit row locks: the service locks (SELECT … FOR
 * UPDATE, in id order) every inode it will change before reading it, so two creates of one name
 * serialize on the directory row and the second sees the first's entry; directory moves also take
 * a transaction-scoped advisory lock so two renames cannot build a cycle. Deadlocks (40P01) and
 * serialization failures (40001) re-run the whole transaction function, up to PG_TX_RETRY_MAX.
 */
import { randomInt } from "node:crypto";
import pg from "pg";
import { FsError } from "../../domain/errors.ts";
import type {
  EntryRecord,
  InodeRecord,
  ListedEntry,
  MetadataStore,
  MetadataTx,
  NewInode,
  StoreHealth,
  StoreUsage,
} from "../metadata-store.ts";
import { BoundedCache } from "./lru.ts";
import { PgSharedContent, SHARED_CONTENT_SCHEMA } from "./postgres-blocks.ts";
import { pgCode, toFsError } from "./postgres-errors.ts";
import { deleteNamedAttrsOf, NAMED_ATTRS_SCHEMA, namedAttrOps } from "./postgres-named-attrs.ts";
import { INODE_COLUMNS, type InodeRow, inodeValues, rowToInode } from "./sql-rows.ts";

type Rec = Readonly<InodeRecord>;
type Queryable = Pick<pg.PoolClient, "query">;

export const PG_POOL_MAX = 10;
export const PG_TX_RETRY_MAX = 10;
/**
 * Default for how long a committed inode or entry read is reused (other daemons' changes show
 * after this); config `scaleout.attrCacheMs` sets it per daemon (setCacheTtlMs).
 */
export const PG_CACHE_TTL_MS = 1000;

export const PG_CACHE_MAX = 20_000;
const NAMESPACE_LOCK_KEY = 0x64667331; // "dfs1"
const SCHEMA_LOCK_KEY = 0x64667330;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS dfs_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS dfs_roots (share text PRIMARY KEY, id bigint NOT NULL);
CREATE TABLE IF NOT EXISTS dfs_inodes (
  id bigserial PRIMARY KEY,
  root bigint NOT NULL, parent bigint NOT NULL, type text NOT NULL, mode integer NOT NULL,
  nlink integer NOT NULL, uid bigint NOT NULL, gid bigint NOT NULL, size bigint NOT NULL,
  rdev_major bigint NOT NULL, rdev_minor bigint NOT NULL,
  atime_s bigint NOT NULL, atime_ns integer NOT NULL, mtime_s bigint NOT NULL, mtime_ns integer NOT NULL,
  ctime_s bigint NOT NULL, ctime_ns integer NOT NULL, btime_s bigint NOT NULL, btime_ns integer NOT NULL,
  change_s bigint, change_ns integer, change_at_s bigint, change_at_ns integer,
  dos bigint NOT NULL, payload_id text, target text, verifier bytea, entry_seq bigint NOT NULL
);
-- Columns added after the first release, for databases created before them.
ALTER TABLE dfs_inodes ADD COLUMN IF NOT EXISTS change_s bigint, ADD COLUMN IF NOT EXISTS change_ns integer,
  ADD COLUMN IF NOT EXISTS change_at_s bigint, ADD COLUMN IF NOT EXISTS change_at_ns integer;
CREATE INDEX IF NOT EXISTS dfs_inodes_root_nlink ON dfs_inodes (root, nlink);
CREATE TABLE IF NOT EXISTS dfs_entries (
  parent bigint NOT NULL, name text NOT NULL, child bigint NOT NULL, seq bigint NOT NULL,
  PRIMARY KEY (parent, name)
);
CREATE UNIQUE INDEX IF NOT EXISTS dfs_entries_seq ON dfs_entries (parent, seq);
`;

const COLS = INODE_COLUMNS.join(", ");
const Q = {
  getInode: "SELECT * FROM dfs_inodes WHERE id = $1",
  insertInode: `INSERT INTO dfs_inodes (${COLS}) VALUES (${INODE_COLUMNS.map((_, i) => `$${i + 1}`).join(", ")}) RETURNING id`,
  fixSelf: "UPDATE dfs_inodes SET root = $1, parent = $2 WHERE id = $3",
  updateInode: `UPDATE dfs_inodes SET ${INODE_COLUMNS.map((c, i) => `${c} = $${i + 1}`).join(", ")} WHERE id = $${INODE_COLUMNS.length + 1}`,
  deleteInode: "DELETE FROM dfs_inodes WHERE id = $1",
  lock: "SELECT * FROM dfs_inodes WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE",
  getEntry: "SELECT child, seq FROM dfs_entries WHERE parent = $1 AND name = $2",
  getEntryWithChild:
    "SELECT e.child AS e_child, e.seq AS e_seq, i.* FROM dfs_entries e LEFT JOIN dfs_inodes i ON i.id = e.child " +
    "WHERE e.parent = $1 AND e.name = $2",
  insertEntry: "INSERT INTO dfs_entries (parent, name, child, seq) VALUES ($1, $2, $3, $4)",
  deleteEntry: "DELETE FROM dfs_entries WHERE parent = $1 AND name = $2",
  hasEntries: "SELECT 1 FROM dfs_entries WHERE parent = $1 LIMIT 1",
  list:
    "SELECT e.name AS e_name, e.seq AS e_seq, i.* FROM dfs_entries e JOIN dfs_inodes i ON i.id = e.child " +
    "WHERE e.parent = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3",
  getRoot: "SELECT id FROM dfs_roots WHERE share = $1",
  setRoot:
    "INSERT INTO dfs_roots (share, id) VALUES ($1, $2) ON CONFLICT (share) DO UPDATE SET id = excluded.id",
  usage:
    "SELECT count(*) AS files, coalesce(sum(CASE WHEN type = 'file' THEN size ELSE 0 END), 0) AS bytes " +
    "FROM dfs_inodes WHERE root = $1",
  orphans: "SELECT id FROM dfs_inodes WHERE root = $1 AND nlink = 0 LIMIT $2",
} as const;

/** pg cannot serialize bigint parameters: send them as decimal strings. */
function params(values: readonly unknown[]): unknown[] {
  return values.map((v) => (typeof v === "bigint" ? v.toString() : v));
}

/** Named statements are prepared once per connection and reused. */
async function run(db: Queryable, name: keyof typeof Q, values: readonly unknown[]): Promise<pg.QueryResult> {
  return db.query({ name: `dfs_${name}`, text: Q[name], values: params(values) });
}

interface Cached<T> {
  value: T;
  atMs: number;
}

/** One transaction attempt: rows it locked (and so may reuse) and what it wrote. */
interface TxState {
  /** BEGIN is sent with the first statement (with the first row lock in the same round trip). */
  begun: boolean;
  rows: Map<bigint, Rec | null>;
  inodes: Map<bigint, Rec | null>;
  entries: Map<string, EntryRecord | null>;
}

function entryKey(parent: bigint, name: string): string {
  return `${parent}/${name}`;
}

export class PostgresMetadataStore implements MetadataStore {
  readonly type = "postgres";
  private readonly inodeCache = new BoundedCache<bigint, Cached<Rec>>(PG_CACHE_MAX);
  private readonly entryCache = new BoundedCache<string, Cached<EntryRecord | null>>(PG_CACHE_MAX);
  /** Bumped by every commit: a read that overlapped one is not cached (it may predate it). */
  private generation = 0;
  private cacheTtlMs = PG_CACHE_TTL_MS;
  /** Block map and sweep catalog of shared (scale-out) mode (postgres-blocks.ts). */
  readonly sharedContent: PgSharedContent;

  private constructor(
    private readonly pool: pg.Pool,
    readonly epoch: number,
  ) {
    this.sharedContent = new PgSharedContent(pool, toFsError, (ms) => {
      this.cacheTtlMs = Math.max(0, ms);
    });
  }

  static async open(url: string): Promise<PostgresMetadataStore> {
    const pool = new pg.Pool({ connectionString: url, max: PG_POOL_MAX });
    pool.on("error", () => {}); // idle client errors surface on the next query instead
    try {
      const client = await pool.connect();
      try {
        await client.query(`SELECT pg_advisory_lock(${SCHEMA_LOCK_KEY})`);
        await client.query(SCHEMA);
        await client.query(SHARED_CONTENT_SCHEMA);
        await client.query(NAMED_ATTRS_SCHEMA);
        await client.query(
          "INSERT INTO dfs_meta (key, value) VALUES ('epoch', $1) ON CONFLICT (key) DO NOTHING",
          [String(randomInt(1, 0xffffffff))],
        );
        const { rows } = await client.query("SELECT value FROM dfs_meta WHERE key = 'epoch'");
        await client.query(`SELECT pg_advisory_unlock(${SCHEMA_LOCK_KEY})`);
        return new PostgresMetadataStore(pool, Number(rows[0].value));
      } finally {
        client.release();
      }
    } catch (e) {
      await pool.end();
      throw toFsError(e);
    }
  }

  async transaction<T>(fn: (tx: MetadataTx) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (e) {
        throw toFsError(e);
      }
      try {
        const state: TxState = { begun: false, rows: new Map(), inodes: new Map(), entries: new Map() };
        const out = await fn(this.txFor(client, state));
        if (state.begun) await client.query("COMMIT");
        this.applyCommitted(state);
        return out;
      } catch (e) {
        await client.query("ROLLBACK").catch(() => {});
        const code = pgCode(e);
        const retry = (code === "40001" || code === "40P01") && attempt < PG_TX_RETRY_MAX;
        if (!retry) throw toFsError(e);
        await new Promise((r) => setTimeout(r, Math.random() * 2 ** Math.min(attempt, 6)));
      } finally {
        client.release();
      }
    }
  }

  getInode(id: bigint): Rec | undefined | Promise<Rec | undefined> {
    const hit = this.inodeCache.get(id);
    if (hit !== undefined && performance.now() - hit.atMs < this.cacheTtlMs) return hit.value;
    return this.read(async () => {
      const gen = this.generation;
      const { rows } = await run(this.pool, "getInode", [id]);
      const rec = rows[0] === undefined ? undefined : rowToInode(rows[0] as InodeRow);
      if (rec !== undefined && gen === this.generation)
        this.inodeCache.set(id, { value: rec, atMs: performance.now() });
      return rec;
    });
  }

  getEntry(parent: bigint, name: string): EntryRecord | undefined | Promise<EntryRecord | undefined> {
    const key = entryKey(parent, name);
    const hit = this.entryCache.get(key);
    if (hit !== undefined && performance.now() - hit.atMs < this.cacheTtlMs) return hit.value ?? undefined;
    // One round trip for LOOKUP: the entry and the inode it names (cached for the getattr after).
    return this.read(async () => {
      const gen = this.generation;
      const { rows } = await run(this.pool, "getEntryWithChild", [parent, name]);
      const r = rows[0] as (InodeRow & { e_child: string; e_seq: string }) | undefined;
      const e =
        r === undefined ? undefined : { parent, name, child: BigInt(r.e_child), seq: BigInt(r.e_seq) };
      if (gen === this.generation) {
        const atMs = performance.now();
        this.entryCache.set(key, { value: e ?? null, atMs });
        if (r !== undefined && r.id !== null)
          this.inodeCache.set(BigInt(r.id), { value: rowToInode(r), atMs });
      }
      return e;
    });
  }

  /**
   * Forgets what a committed transaction wrote rather than caching its records: commits on
   * different connections may be processed out of order here, and an older record must never
   * overwrite a newer one. The generation bump keeps overlapping reads from re-caching old rows.
   */
  private applyCommitted(state: TxState): void {
    this.generation++;
    for (const id of state.inodes.keys()) this.inodeCache.delete(id);
    for (const key of state.entries.keys()) this.entryCache.delete(key);
  }

  async listEntries(parent: bigint, afterSeq: bigint, limit: number): Promise<ListedEntry[]> {
    return this.read(async () => {
      const gen = this.generation;
      const { rows } = await run(this.pool, "list", [parent, afterSeq, limit]);
      const listed = (rows as (InodeRow & { e_name: string; e_seq: string })[]).map((r) => ({
        name: r.e_name,
        seq: BigInt(r.e_seq),
        inode: rowToInode(r),
      }));
      // READDIRPLUS is usually followed by GETATTR/LOOKUP of the same files.
      if (gen === this.generation) {
        const atMs = performance.now();
        for (const e of listed) this.inodeCache.set(e.inode.id, { value: e.inode, atMs });
      }
      return listed;
    });
  }

  async getRoot(share: string): Promise<bigint | undefined> {
    return this.read(async () => {
      const { rows } = await run(this.pool, "getRoot", [share]);
      return rows[0] === undefined ? undefined : BigInt(rows[0].id);
    });
  }

  async usage(root: bigint): Promise<StoreUsage> {
    return this.read(async () => {
      const { rows } = await run(this.pool, "usage", [root]);
      return { files: Number(rows[0].files), bytes: Number(rows[0].bytes) };
    });
  }

  async orphans(root: bigint, limit: number): Promise<bigint[]> {
    return this.read(async () => {
      const { rows } = await run(this.pool, "orphans", [root, limit]);
      return rows.map((r) => BigInt(r.id));
    });
  }

  async health(): Promise<StoreHealth> {
    const start = performance.now();
    try {
      await this.pool.query("SELECT 1");
      return { ok: true, latencyMs: performance.now() - start };
    } catch (e) {
      return { ok: false, latencyMs: performance.now() - start, detail: (e as Error).message };
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async read<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toFsError(e);
    }
  }

  private txFor(client: pg.PoolClient, st: TxState): MetadataTx {
    const c = {
      query: async (q: unknown) => {
        if (!st.begun) {
          st.begun = true;
          await client.query("BEGIN");
        }
        return client.query(q as string);
      },
    } as Queryable;
    /** The first lock of a transaction rides with BEGIN: one round trip instead of two. */
    const lockRows = async (ids: bigint[]) => {
      if (st.begun) return (await run(c, "lock", [ids.map(String)])).rows;
      st.begun = true;
      // Simple-protocol text: ids are bigints we format, so the literal is safe.
      const text = `BEGIN; ${Q.lock.replace("$1::bigint[]", `'{${ids.join(",")}}'::bigint[]`)}`;
      const results = (await client.query(text)) as unknown as pg.QueryResult[];
      return results[1]!.rows;
    };
    const wrote = (id: bigint, rec: Rec | null) => {
      st.inodes.set(id, rec);
      if (st.rows.has(id)) st.rows.set(id, rec);
    };
    return {
      lock: async (ids) => {
        const wanted = [...new Set(ids)].filter((id) => !st.rows.has(id));
        if (wanted.length === 0) return;
        const rows = await lockRows(wanted);
        for (const id of wanted) st.rows.set(id, null);
        // Locked rows cannot change under us until commit: later reads reuse them.
        for (const r of rows) st.rows.set(BigInt(r.id), rowToInode(r as InodeRow));
      },
      lockNamespace: async () => {
        await c.query(`SELECT pg_advisory_xact_lock(${NAMESPACE_LOCK_KEY})`);
      },
      getInode: async (id) => {
        const locked = st.rows.get(id);
        if (locked !== undefined) return locked ?? undefined;
        const { rows } = await run(c, "getInode", [id]);
        return rows[0] === undefined ? undefined : rowToInode(rows[0] as InodeRow);
      },
      insertInode: async (rec) => {
        const full = await insertInode(c, rec);
        st.inodes.set(full.id, full);
        return full;
      },
      updateInode: async (rec) => {
        const r = await run(c, "updateInode", [...inodeValues(rec), rec.id]);
        if (r.rowCount === 0) throw new FsError("ESTALE");
        wrote(rec.id, rec);
      },
      deleteInode: async (id) => {
        if ((await run(c, "deleteInode", [id])).rowCount === 0) throw new FsError("ESTALE");
        await deleteNamedAttrsOf(c, id);
        wrote(id, null);
      },
      ...namedAttrOps(c),
      getEntry: (parent, name) => getEntry(c, parent, name),
      insertEntry: async (e) => {
        try {
          await run(c, "insertEntry", [e.parent, e.name, e.child, e.seq]);
        } catch (err) {
          if (pgCode(err) === "23505") throw new FsError("EEXIST", e.name);
          throw err;
        }
        st.entries.set(entryKey(e.parent, e.name), { ...e });
      },
      deleteEntry: async (parent, name) => {
        if ((await run(c, "deleteEntry", [parent, name])).rowCount === 0) throw new FsError("ENOENT", name);
        st.entries.set(entryKey(parent, name), null);
      },
      hasEntries: async (parent) => (await run(c, "hasEntries", [parent])).rows.length > 0,
      setRoot: async (share, id) => {
        await run(c, "setRoot", [share, id]);
      },
    };
  }
}

async function getEntry(db: Queryable, parent: bigint, name: string): Promise<EntryRecord | undefined> {
  const { rows } = await run(db, "getEntry", [parent, name]);
  const r = rows[0];
  return r === undefined ? undefined : { parent, name, child: BigInt(r.child), seq: BigInt(r.seq) };
}

async function insertInode(c: Queryable, rec: NewInode): Promise<Rec> {
  const { rows } = await run(c, "insertInode", inodeValues(rec));
  const id = BigInt(rows[0].id);
  const full: Rec = {
    ...rec,
    id,
    root: rec.root === 0n ? id : rec.root,
    parent: rec.type === "dir" && rec.parent === 0n ? id : rec.parent,
  };
  if (full.root !== rec.root || full.parent !== rec.parent)
    await run(c, "fixSelf", [full.root, full.parent, id]);
  return full;
}
