/** Probe: per-statement cost of the SQLite store's create path (development aid). */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";

const db = new Database(join(mkdtempSync(join(process.env.DIR ?? tmpdir(), "probe-")), "x.sqlite"));
if (process.env.PAGE) db.pragma(`page_size = ${process.env.PAGE}`);
if (process.env.LOCK) db.pragma(`locking_mode = ${process.env.LOCK}`);
db.pragma("journal_mode = WAL");
db.pragma(`synchronous = ${process.argv[2] ?? "NORMAL"}`);
db.exec(`CREATE TABLE inodes (id INTEGER PRIMARY KEY AUTOINCREMENT, a INTEGER, b INTEGER, c TEXT, d INTEGER, e INTEGER, f INTEGER, g INTEGER, h INTEGER, i INTEGER, j INTEGER, k INTEGER);
CREATE INDEX inodes_a ON inodes (a, b);
CREATE TABLE entries (parent INTEGER NOT NULL, name TEXT NOT NULL, child INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (parent, name)) WITHOUT ROWID;
CREATE UNIQUE INDEX entries_seq ON entries (parent, seq);`);
const begin = db.prepare("BEGIN IMMEDIATE");
const commit = db.prepare("COMMIT");
const ins = db.prepare("INSERT INTO inodes (a,b,c,d,e,f,g,h,i,j,k) VALUES (1,1,'file',1,1,1,1,1,1,1,1)");
const ent = db.prepare("INSERT INTO entries VALUES (1, ?, ?, ?)");
const upd = db.prepare("UPDATE inodes SET a=1,b=1,c='dir',d=1,e=1,f=1,g=?,h=1,i=1,j=1,k=1 WHERE id = 1");
const get = db.prepare("SELECT child, seq FROM entries WHERE parent = 1 AND name = ?");
ins.run();
const t: Record<string, number> = { begin: 0, get: 0, ins: 0, ent: 0, upd: 0, commit: 0 };
const N = 10000;
const start = performance.now();
for (let n = 0; n < N; n++) {
  let x = performance.now();
  const lap = (k: string) => {
    const y = performance.now();
    t[k]! += y - x;
    x = y;
  };
  begin.run();
  lap("begin");
  get.get(`f${n}`);
  lap("get");
  const id = ins.run().lastInsertRowid;
  lap("ins");
  ent.run(`f${n}`, id, n + 3);
  lap("ent");
  upd.run(n);
  lap("upd");
  commit.run();
  lap("commit");
}
const total = performance.now() - start;
console.log(
  `tx/s ${Math.round(N / (total / 1000))}`,
  Object.fromEntries(Object.entries(t).map(([k, v]) => [k, `${((v / N) * 1000).toFixed(1)}us`])),
);
