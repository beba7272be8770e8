/**
 * The PostgreSQL store's named attributes (streams and EAs, metadata-store.ts NamedAttrKind): one
 * table keyed by inode, kind and name, written inside the store's transactions. Not cached: only
 * SMB stream and EA calls read them, always inside a transaction.
 */
import type pg from "pg";
import { FsError } from "../../domain/errors.ts";
import type { MetadataTx, NamedAttr, NamedAttrSize } from "../metadata-store.ts";

type Queryable = Pick<pg.PoolClient, "query">;

export const NAMED_ATTRS_SCHEMA = `
CREATE TABLE IF NOT EXISTS dfs_named_attrs (
  inode bigint NOT NULL, kind text NOT NULL, name text NOT NULL, value bytea NOT NULL,
  PRIMARY KEY (inode, kind, name)
);
`;

const Q = {
  get: "SELECT value FROM dfs_named_attrs WHERE inode = $1 AND kind = $2 AND name = $3",
  list: 'SELECT name, value FROM dfs_named_attrs WHERE inode = $1 AND kind = $2 ORDER BY name COLLATE "C"',
  sizes:
    "SELECT name, length(value) AS size FROM dfs_named_attrs WHERE inode = $1 AND kind = $2 " +
    'ORDER BY name COLLATE "C"',
  put:
    "INSERT INTO dfs_named_attrs (inode, kind, name, value) VALUES ($1, $2, $3, $4) " +
    "ON CONFLICT (inode, kind, name) DO UPDATE SET value = excluded.value",
  del: "DELETE FROM dfs_named_attrs WHERE inode = $1 AND kind = $2 AND name = $3",
  delAll: "DELETE FROM dfs_named_attrs WHERE inode = $1",
} as const;

function run(db: Queryable, name: keyof typeof Q, values: unknown[]): Promise<pg.QueryResult> {
  const text = Q[name];
  const v = values.map((x) => (typeof x === "bigint" ? x.toString() : x));
  return db.query({ name: `dfs_named_${name}`, text, values: v });
}

type NamedAttrOps = Pick<
  MetadataTx,
  "getNamedAttr" | "listNamedAttrs" | "listNamedAttrSizes" | "putNamedAttr" | "deleteNamedAttr"
>;

/** The MetadataTx named-attribute methods over the transaction's connection. */
export function namedAttrOps(c: Queryable): NamedAttrOps {
  return {
    getNamedAttr: async (id, kind, name) => (await run(c, "get", [id, kind, name])).rows[0]?.value,
    listNamedAttrs: async (id, kind) => (await run(c, "list", [id, kind])).rows as NamedAttr[],
    listNamedAttrSizes: async (id, kind) => (await run(c, "sizes", [id, kind])).rows as NamedAttrSize[],
    putNamedAttr: async (id, kind, name, value) => {
      await run(c, "put", [id, kind, name, value]);
    },
    deleteNamedAttr: async (id, kind, name) => {
      if ((await run(c, "del", [id, kind, name])).rowCount === 0) throw new FsError("ENOENT", name);
    },
  };
}

/** With the inode (metadata-store.ts deleteInode). */
export async function deleteNamedAttrsOf(c: Queryable, id: bigint): Promise<void> {
  await run(c, "delAll", [id]);
}
