/**
 * Memory metadata store: maps, fast and ephemeral. Transactions run one at a time (a mutex) with
 * an undo log, so a failed transaction leaves no trace. Directory entries live in one Map per
 * directory whose insertion order is seq order (new entries always get the directory's next seq);
 * an undo that re-inserts an older entry marks the directory for re-sorting.
 */
import { randomInt } from "node:crypto";
import { FsError } from "../../domain/errors.ts";
import type {
  EntryRecord,
  InodeRecord,
  ListedEntry,
  MetadataStore,
  MetadataTx,
  NamedAttr,
  NamedAttrKind,
  NewInode,
  StoreHealth,
  StoreUsage,
} from "../metadata-store.ts";
import { Mutex } from "../mutex.ts";

type Rec = Readonly<InodeRecord>;

export class MemoryMetadataStore implements MetadataStore {
  readonly type = "memory";
  readonly epoch = randomInt(1, 0xffffffff);
  private readonly inodes = new Map<bigint, Rec>();
  private readonly dirs = new Map<bigint, Map<string, EntryRecord>>();
  private readonly unsorted = new Set<bigint>();
  private readonly roots = new Map<string, bigint>();
  /** Named attributes per inode, keyed `<kind>:<name>`. */
  private readonly named = new Map<bigint, Map<string, Buffer>>();
  private readonly usageByRoot = new Map<bigint, StoreUsage>();
  private readonly mutex = new Mutex();
  private nextId = 1n;
  private undo: (() => void)[] | null = null;
  private closed = false;

  transaction<T>(fn: (tx: MetadataTx) => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      this.assertOpen();
      const undo: (() => void)[] = [];
      this.undo = undo;
      try {
        return await fn(this.tx);
      } catch (e) {
        for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
        throw e;
      } finally {
        this.undo = null;
      }
    });
  }

  getInode(id: bigint): Rec | undefined {
    return this.inodes.get(id);
  }

  getEntry(parent: bigint, name: string): EntryRecord | undefined {
    return this.dirs.get(parent)?.get(name);
  }

  listEntries(parent: bigint, afterSeq: bigint, limit: number): ListedEntry[] {
    const dir = this.dirs.get(parent);
    if (dir === undefined) return [];
    if (this.unsorted.delete(parent)) this.resort(parent, dir);
    const out: ListedEntry[] = [];
    for (const e of dir.values()) {
      if (e.seq <= afterSeq) continue;
      const inode = this.inodes.get(e.child);
      if (inode !== undefined) out.push({ name: e.name, seq: e.seq, inode });
      if (out.length >= limit) break;
    }
    return out;
  }

  getRoot(share: string): bigint | undefined {
    return this.roots.get(share);
  }

  usage(root: bigint): StoreUsage {
    const u = this.usageByRoot.get(root);
    return u === undefined ? { files: 0, bytes: 0 } : { ...u };
  }

  orphans(root: bigint, limit: number): bigint[] {
    const out: bigint[] = [];
    for (const rec of this.inodes.values()) {
      if (rec.root === root && rec.nlink === 0) out.push(rec.id);
      if (out.length >= limit) break;
    }
    return out;
  }

  async health(): Promise<StoreHealth> {
    return { ok: !this.closed, latencyMs: 0 };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new FsError("EIO", "store closed");
  }

  private resort(parent: bigint, dir: Map<string, EntryRecord>): void {
    const sorted = [...dir.values()].sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
    const fresh = new Map(sorted.map((e) => [e.name, e] as const));
    this.dirs.set(parent, fresh);
  }

  private listNamed(id: bigint, kind: NamedAttrKind): NamedAttr[] {
    const prefix = `${kind}:`;
    const out: NamedAttr[] = [];
    for (const [key, value] of this.named.get(id) ?? []) {
      if (key.startsWith(prefix)) out.push({ name: key.slice(prefix.length), value });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Sets (or with `value` undefined removes) one named attribute, logging the undo. */
  private setNamed(id: bigint, key: string, value: Buffer | undefined): void {
    const old = this.named.get(id)?.get(key);
    this.setNamedRaw(id, key, value);
    this.log(() => this.setNamedRaw(id, key, old));
  }

  private setNamedRaw(id: bigint, key: string, value: Buffer | undefined): void {
    let attrs = this.named.get(id);
    if (value === undefined) attrs?.delete(key);
    else {
      if (attrs === undefined) {
        attrs = new Map();
        this.named.set(id, attrs);
      }
      attrs.set(key, value);
    }
  }

  private log(fn: () => void): void {
    this.undo?.push(fn);
  }

  private account(rec: Rec, sign: 1 | -1): void {
    let u = this.usageByRoot.get(rec.root);
    if (u === undefined) {
      u = { files: 0, bytes: 0 };
      this.usageByRoot.set(rec.root, u);
    }
    u.files += sign;
    u.bytes += sign * (rec.type === "file" ? rec.size : 0);
  }

  private putInode(rec: Rec | undefined, id: bigint): void {
    const old = this.inodes.get(id);
    if (old !== undefined) this.account(old, -1);
    if (rec === undefined) {
      this.inodes.delete(id);
      if (old?.type === "dir") this.dirs.delete(id);
    } else {
      this.inodes.set(id, rec);
      this.account(rec, 1);
    }
  }

  private readonly tx: MetadataTx = {
    lock: () => {},
    lockNamespace: () => {},
    getInode: (id) => this.inodes.get(id),
    insertInode: (rec: NewInode) => {
      const id = this.nextId++;
      const full: Rec = {
        ...rec,
        id,
        root: rec.root === 0n ? id : rec.root,
        parent: rec.type === "dir" && rec.parent === 0n ? id : rec.parent,
      };
      this.putInode(full, id);
      this.log(() => this.putInode(undefined, id));
      return full;
    },
    updateInode: (rec) => {
      const old = this.inodes.get(rec.id);
      if (old === undefined) throw new FsError("ESTALE");
      this.putInode(rec, rec.id);
      this.log(() => this.putInode(old, rec.id));
    },
    deleteInode: (id) => {
      const old = this.inodes.get(id);
      if (old === undefined) throw new FsError("ESTALE");
      const entries = this.dirs.get(id);
      const named = this.named.get(id);
      this.putInode(undefined, id);
      this.named.delete(id);
      this.log(() => {
        this.putInode(old, id);
        if (entries !== undefined) this.dirs.set(id, entries);
        if (named !== undefined) this.named.set(id, named);
      });
    },
    getNamedAttr: (id, kind, name) => this.named.get(id)?.get(`${kind}:${name}`),
    listNamedAttrs: (id, kind) => this.listNamed(id, kind),
    listNamedAttrSizes: (id, kind) =>
      this.listNamed(id, kind).map((a) => ({ name: a.name, size: a.value.length })),
    putNamedAttr: (id, kind, name, value) => this.setNamed(id, `${kind}:${name}`, Buffer.from(value)),
    deleteNamedAttr: (id, kind, name) => {
      if (this.named.get(id)?.get(`${kind}:${name}`) === undefined) throw new FsError("ENOENT", name);
      this.setNamed(id, `${kind}:${name}`, undefined);
    },
    getEntry: (parent, name) => this.dirs.get(parent)?.get(name),
    insertEntry: (entry) => {
      let dir = this.dirs.get(entry.parent);
      if (dir === undefined) {
        dir = new Map();
        this.dirs.set(entry.parent, dir);
      }
      if (dir.has(entry.name)) throw new FsError("EEXIST", entry.name);
      dir.set(entry.name, { ...entry });
      this.log(() => this.dirs.get(entry.parent)?.delete(entry.name));
    },
    deleteEntry: (parent, name) => {
      const dir = this.dirs.get(parent);
      const old = dir?.get(name);
      if (dir === undefined || old === undefined) throw new FsError("ENOENT", name);
      dir.delete(name);
      this.log(() => {
        dir.set(name, old);
        this.unsorted.add(parent);
      });
    },
    hasEntries: (parent) => (this.dirs.get(parent)?.size ?? 0) > 0,
    setRoot: (share, id) => {
      const old = this.roots.get(share);
      this.roots.set(share, id);
      this.log(() => (old === undefined ? this.roots.delete(share) : this.roots.set(share, old)));
    },
  };
}
