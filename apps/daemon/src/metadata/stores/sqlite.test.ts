import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { expect, it } from "vitest";
import { describeMetadataStore } from "../testing/conformance.ts";
import { INODE_COLUMNS } from "./sql-rows.ts";
import { SqliteMetadataStore } from "./sqlite.ts";
import { SCHEMA } from "./sqlite-schema.ts";

describeMetadataStore(
  "sqlite",
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "dittofs-meta-"));
    return {
      persistent: true,
      open: async () => SqliteMetadataStore.open(join(dir, "metadata.sqlite")),
      destroy: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
  { persistent: true },
);

it("adds the change-time columns to a database made before them, keeping its inodes", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dittofs-meta-old-"));
  try {
    const path = join(dir, "metadata.sqlite");
    const old = new Database(path);
    old.exec(
      SCHEMA.replace(
        /\s*change_s INTEGER, change_ns INTEGER, change_at_s INTEGER, change_at_ns INTEGER,/,
        "",
      ),
    );
    const cols = INODE_COLUMNS.filter((c) => !c.startsWith("change_"));
    old
      .prepare(
        `INSERT INTO inodes (id, ${cols.join(", ")}) VALUES (${["?", ...cols.map(() => "?")].join(", ")})`,
      )
      .run(5, 5, 5, "dir", 0o755, 2, 0, 0, 4096, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, null, null, null, 0);
    old.close();
    const store = SqliteMetadataStore.open(path);
    try {
      expect(await store.getInode(5n)).toMatchObject({
        id: 5n,
        mtime: { sec: 3, nsec: 4 },
        changeTime: null,
      });
      const set = { time: { sec: -2, nsec: 0 }, at: { sec: 5, nsec: 6 } };
      await store.transaction(async (tx) => tx.updateInode({ ...(await tx.getInode(5n))!, changeTime: set }));
      expect((await store.getInode(5n))?.changeTime).toEqual(set);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
