/**
 * The SQLite store's named attributes (streams and EAs, metadata-store.ts NamedAttrKind): one
 * table keyed by inode, kind and name. Not cached: only SMB stream and EA calls read them.
 */
import type Database from "better-sqlite3";
import { FsError } from "../../domain/errors.ts";
import type { NamedAttr, NamedAttrKind, NamedAttrSize } from "../metadata-store.ts";

export const NAMED_ATTRS_SCHEMA = `
CREATE TABLE IF NOT EXISTS named_attrs (
  inode INTEGER NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, value BLOB NOT NULL,
  PRIMARY KEY (inode, kind, name)
) WITHOUT ROWID;
`;

export class SqliteNamedAttrs {
  private readonly get: Database.Statement;
  private readonly list: Database.Statement;
  private readonly listSizes: Database.Statement;
  private readonly put: Database.Statement;
  private readonly del: Database.Statement;
  private readonly delAll: Database.Statement;

  constructor(db: Database.Database) {
    db.exec(NAMED_ATTRS_SCHEMA);
    this.get = db.prepare("SELECT value FROM named_attrs WHERE inode = ? AND kind = ? AND name = ?");
    this.list = db.prepare("SELECT name, value FROM named_attrs WHERE inode = ? AND kind = ? ORDER BY name");
    this.listSizes = db.prepare(
      "SELECT name, length(value) AS size FROM named_attrs WHERE inode = ? AND kind = ? ORDER BY name",
    );
    this.put = db.prepare(
      "INSERT INTO named_attrs (inode, kind, name, value) VALUES (?, ?, ?, ?) " +
        "ON CONFLICT (inode, kind, name) DO UPDATE SET value = excluded.value",
    );
    this.del = db.prepare("DELETE FROM named_attrs WHERE inode = ? AND kind = ? AND name = ?");
    this.delAll = db.prepare("DELETE FROM named_attrs WHERE inode = ?");
  }

  read(id: bigint, kind: NamedAttrKind, name: string): Buffer | undefined {
    return (this.get.get(id, kind, name) as { value: Buffer } | undefined)?.value;
  }

  all(id: bigint, kind: NamedAttrKind): NamedAttr[] {
    return this.list.all(id, kind) as NamedAttr[];
  }

  sizes(id: bigint, kind: NamedAttrKind): NamedAttrSize[] {
    return this.listSizes.all(id, kind) as NamedAttrSize[];
  }

  write(id: bigint, kind: NamedAttrKind, name: string, value: Buffer): void {
    this.put.run(id, kind, name, value);
  }

  remove(id: bigint, kind: NamedAttrKind, name: string): void {
    if (this.del.run(id, kind, name).changes === 0) throw new FsError("ENOENT", name);
  }

  /** With the inode (metadata-store.ts deleteInode). */
  removeAll(id: bigint): void {
    this.delAll.run(id);
  }
}
