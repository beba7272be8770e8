/**
 * ControlStore: the one repository API of the control plane, over SQLite or PostgreSQL.
 * Every method is async, throws `ControlError` for caller mistakes (NOT_FOUND, CONFLICT naming
 * the field, IN_USE with the reason), and runs its writes in one transaction. Passwords are
 * hashed (scrypt + NT hash) outside the transaction so a slow hash never holds a lock.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Principal } from "../../domain/identity.ts";
import type { Nfs4ClientStore } from "../../domain/nfs4-clients.ts";
import type { Permission } from "../../domain/share.ts";
import { isControlError } from "../errors.ts";
import * as audit from "./audit-sessions.ts";
import type { Ctx } from "./ctx.ts";
import { type Backend, type Dialect, openPostgres, openSqlite, type Q } from "./db.ts";
import * as groups from "./groups.ts";
import * as nfs4 from "./nfs4-clients.ts";
import { DEFAULT_SCRYPT, hashPassword, ntHash, type ScryptParams, verifyPassword } from "./passwords.ts";
import * as permissions from "./permissions.ts";
import * as shares from "./shares.ts";
import * as stores from "./stores.ts";
import * as system from "./system.ts";
import type {
  AdapterRecord,
  AuditRecord,
  GroupRecord,
  Role,
  SessionRecord,
  SharePermissionRecord,
  ShareRecord,
  StoreKind,
  StoreRecord,
  UserCredentials,
  UserRecord,
} from "./types.ts";
import * as users from "./users.ts";

export type ControlStoreOptions = ({ sqlitePath: string } | { postgresUrl: string }) & {
  /** scrypt cost for new hashes; existing hashes verify with the cost stored in them. */
  scrypt?: ScryptParams;
  /** Audit rows kept (default AUDIT_ROWS_MAX) and how often pruning runs (every N rows). */
  audit?: { rowsMax: number; pruneEvery: number };
};

export interface NewUserInput {
  username: string;
  password: string;
  uid?: number | undefined;
  gid?: number | undefined;
  role: Role;
  enabled?: boolean | undefined;
  mustChangePassword?: boolean | undefined;
}

/** Everything the Runtime's IdentityDirectory needs, read in one go. */
export interface IdentitySnapshot {
  principals: Principal[];
  groups: GroupRecord[];
  permissions: SharePermissionRecord[];
}

/** Session tokens: 32 random bytes, base64url; only their SHA-256 is stored. */
const SESSION_TOKEN_BYTES = 32;

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export async function openControlStore(opts: ControlStoreOptions): Promise<ControlStore> {
  const backend = "postgresUrl" in opts ? await openPostgres(opts.postgresUrl) : openSqlite(opts.sqlitePath);
  return new ControlStore(backend, opts.scrypt ?? DEFAULT_SCRYPT, opts.audit);
}

/** Attempts at an automatically assigned uid/gid when concurrent creators race for the same one. */
const AUTO_ID_ATTEMPTS_MAX = 10;

/**
 * On PostgreSQL two concurrent creates can both pick max(id)+1; the loser's insert violates the
 * unique index (CONFLICT on that field). Picking again then finds the next free id.
 */
async function retryAutoId<T>(write: () => Promise<T>, field: string): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (e) {
      if (!(isControlError(e, "CONFLICT") && e.field === field) || attempt >= AUTO_ID_ATTEMPTS_MAX) throw e;
    }
  }
}

/** A backend bound to an open transaction: no lock, no nested transaction. */
function boundTo(q: Q, parent: Backend): Backend {
  return {
    dialect: parent.dialect,
    t: parent.t,
    read: (fn) => fn(q),
    write: (fn) => fn(q),
    close: async () => {},
  };
}

export class ControlStore {
  readonly dialect: Dialect;
  readonly #b: Backend;
  readonly #scrypt: ScryptParams;
  #dummyHash: Promise<string> | undefined;

  readonly #audit: { rowsMax: number; pruneEvery: number };

  constructor(
    backend: Backend,
    scrypt: ScryptParams,
    auditLimits = { rowsMax: audit.AUDIT_ROWS_MAX, pruneEvery: audit.AUDIT_PRUNE_EVERY },
  ) {
    this.#b = backend;
    this.#scrypt = scrypt;
    this.#audit = auditLimits;
    this.dialect = backend.dialect;
  }

  #read<T>(fn: (c: Ctx) => Promise<T>): Promise<T> {
    return this.#b.read((q) => fn({ q, t: this.#b.t }));
  }

  #write<T>(fn: (c: Ctx) => Promise<T>): Promise<T> {
    return this.#b.write((q) => fn({ q, t: this.#b.t }));
  }

  /** Runs `fn` in one transaction with a store bound to it: all of its writes are kept, or none. */
  transaction<T>(fn: (tx: ControlStore) => Promise<T>): Promise<T> {
    return this.#b.write((q) => fn(new ControlStore(boundTo(q, this.#b), this.#scrypt, this.#audit)));
  }

  close(): Promise<void> {
    return this.#b.close();
  }

  // ---- users ----

  listUsers(search?: string): Promise<UserRecord[]> {
    return this.#read((c) => users.listUsers(c, search));
  }
  getUser(username: string): Promise<UserRecord> {
    return this.#read((c) => users.getUser(c, username));
  }
  async findUser(username: string): Promise<UserRecord | null> {
    return (await this.getCredentials(username))?.user ?? null;
  }
  countUsers(): Promise<number> {
    return this.#read((c) => users.countUsers(c));
  }
  getCredentials(username: string): Promise<UserCredentials | null> {
    return this.#read((c) => users.getCredentials(c, username));
  }

  async createUser(input: NewUserInput): Promise<UserRecord> {
    const [passwordHash, nt] = await Promise.all([
      hashPassword(input.password, this.#scrypt),
      ntHash(input.password),
    ]);
    const write = () => this.#write((c) => users.createUser(c, { ...input, passwordHash, ntHash: nt }));
    return input.uid === undefined ? retryAutoId(write, "uid") : write();
  }

  /** Disabling a user or changing their role also ends their sessions. */
  updateUser(username: string, patch: users.UserPatch): Promise<UserRecord> {
    return this.#write(async (c) => {
      const before = await users.getUser(c, username);
      const updated = await users.updateUser(c, username, patch);
      // Only a real change logs the user out: a form re-sending the same role must not.
      if ((before.enabled && !updated.enabled) || before.role !== updated.role) {
        await audit.deleteUserSessions(c, updated.id);
      }
      return updated;
    });
  }

  /**
   * Sets a new password (scrypt and NT hash together). `endSessions` logs the user out everywhere
   * (an admin reset); `endSessionsExcept` everywhere but the session with that token (a user
   * changing their own password keeps the session they used).
   */
  async setPassword(
    username: string,
    password: string,
    opts: { mustChangePassword?: boolean; endSessions?: boolean; endSessionsExcept?: string } = {},
  ): Promise<void> {
    const [passwordHash, nt] = await Promise.all([hashPassword(password, this.#scrypt), ntHash(password)]);
    await this.#write(async (c) => {
      await users.setPasswordHashes(c, username, passwordHash, nt, opts.mustChangePassword ?? false);
      if (opts.endSessions || opts.endSessionsExcept !== undefined) {
        const keep = opts.endSessionsExcept === undefined ? null : hashToken(opts.endSessionsExcept);
        await audit.deleteUserSessions(c, (await users.requireUserRow(c, username)).id, keep);
      }
    });
  }

  /** The user when the password matches (enabled or not: the caller decides), else null. */
  async authenticate(username: string, password: string): Promise<UserRecord | null> {
    const cred = await this.getCredentials(username);
    if (cred === null) {
      // Spend the same scrypt work for an unknown name, so timing does not reveal which names exist.
      this.#dummyHash ??= hashPassword(randomBytes(16).toString("hex"), this.#scrypt);
      await verifyPassword(password, await this.#dummyHash);
      return null;
    }
    return (await verifyPassword(password, cred.passwordHash)) ? cred.user : null;
  }

  deleteUser(username: string): Promise<void> {
    return this.#write((c) => users.deleteUser(c, username));
  }

  // ---- groups ----

  listGroups(): Promise<GroupRecord[]> {
    return this.#read((c) => groups.listGroups(c));
  }
  getGroup(name: string): Promise<GroupRecord> {
    return this.#read((c) => groups.getGroup(c, name));
  }
  createGroup(name: string, gid?: number): Promise<GroupRecord> {
    const write = () => this.#write((c) => groups.createGroup(c, name, gid));
    return gid === undefined ? retryAutoId(write, "gid") : write();
  }
  updateGroup(name: string, gid: number): Promise<GroupRecord> {
    return this.#write((c) => groups.updateGroup(c, name, gid));
  }
  deleteGroup(name: string): Promise<void> {
    return this.#write((c) => groups.deleteGroup(c, name));
  }
  addMember(name: string, username: string): Promise<GroupRecord> {
    return this.#write((c) => groups.addMember(c, name, username));
  }
  removeMember(name: string, username: string): Promise<GroupRecord> {
    return this.#write((c) => groups.removeMember(c, name, username));
  }

  // ---- metadata and block stores ----

  listStores(kind: StoreKind): Promise<StoreRecord[]> {
    return this.#read((c) => stores.listStores(c, kind));
  }
  getStore(kind: StoreKind, name: string): Promise<StoreRecord> {
    return this.#read((c) => stores.getStore(c, kind, name));
  }
  async findStore(kind: StoreKind, name: string): Promise<StoreRecord | null> {
    return (await this.#read((c) => stores.storeRow(c, kind, name))) ?? null;
  }
  createStore(kind: StoreKind, input: { name: string; type: string; config: Record<string, unknown> }) {
    return this.#write((c) => stores.createStore(c, kind, input));
  }
  updateStore(kind: StoreKind, name: string, patch: stores.StorePatch): Promise<StoreRecord> {
    return this.#write((c) => stores.updateStore(c, kind, name, patch));
  }
  /** IN_USE "… is used by share /export" while a share refers to it. */
  deleteStore(kind: StoreKind, name: string): Promise<void> {
    return this.#write((c) => stores.deleteStore(c, kind, name));
  }

  // ---- shares and permissions ----

  listShares(): Promise<ShareRecord[]> {
    return this.#read((c) => shares.listShares(c));
  }
  getShare(name: string): Promise<ShareRecord> {
    return this.#read((c) => shares.getShare(c, name));
  }
  async findShare(name: string): Promise<ShareRecord | null> {
    return (await this.#read((c) => shares.findShare(c, name))) ?? null;
  }
  createShare(input: shares.NewShare): Promise<ShareRecord> {
    return this.#write((c) => shares.createShare(c, input));
  }
  updateShare(name: string, patch: shares.SharePatch): Promise<ShareRecord> {
    return this.#write((c) => shares.updateShare(c, name, patch));
  }
  deleteShare(name: string): Promise<void> {
    return this.#write((c) => shares.deleteShare(c, name));
  }
  listPermissions(share?: string): Promise<SharePermissionRecord[]> {
    return this.#read((c) => permissions.listPermissions(c, share));
  }
  setPermission(share: string, subject: permissions.Subject, level: Permission): Promise<void> {
    return this.#write((c) => permissions.setPermission(c, share, subject, level));
  }
  removePermission(share: string, subject: permissions.Subject): Promise<void> {
    return this.#write((c) => permissions.removePermission(c, share, subject));
  }

  // ---- adapters and settings ----

  listAdapters(): Promise<AdapterRecord[]> {
    return this.#read((c) => system.listAdapters(c));
  }
  getAdapter(type: string): Promise<AdapterRecord> {
    return this.#read((c) => system.getAdapter(c, type));
  }
  async findAdapter(type: string): Promise<AdapterRecord | null> {
    return (await this.#read((c) => system.findAdapter(c, type))) ?? null;
  }
  createAdapter(input: system.NewAdapter): Promise<AdapterRecord> {
    return this.#write((c) => system.createAdapter(c, input));
  }
  updateAdapter(type: string, patch: system.AdapterPatch): Promise<AdapterRecord> {
    return this.#write((c) => system.updateAdapter(c, type, patch));
  }
  deleteAdapter(type: string): Promise<void> {
    return this.#write((c) => system.deleteAdapter(c, type));
  }
  getSettings(): Promise<Record<string, system.SettingValue>> {
    return this.#read((c) => system.getSettings(c));
  }
  updateSettings(
    values: Record<string, system.SettingValue | null>,
  ): Promise<Record<string, system.SettingValue>> {
    return this.#write(async (c) => {
      await system.updateSettings(c, values);
      return system.getSettings(c);
    });
  }

  // ---- audit and sessions ----

  appendAudit(entry: audit.NewAudit): Promise<void> {
    return this.#write((c) => audit.appendAudit(c, entry, this.#audit.rowsMax, this.#audit.pruneEvery));
  }
  listAudit(query: audit.AuditQuery = {}): Promise<{ items: AuditRecord[]; nextCursor: number | null }> {
    return this.#read((c) => audit.listAudit(c, query));
  }

  /** A new session for the user; the token is returned once and only its hash is stored. */
  async createSession(username: string, ttlMs: number): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(SESSION_TOKEN_BYTES).toString("base64url");
    const expiresAt = new Date(Date.now() + ttlMs);
    await this.#write(async (c) => {
      const user = await users.requireUserRow(c, username);
      await audit.purgeExpiredSessions(c, new Date());
      await audit.insertSession(c, hashToken(token), user.id, expiresAt);
    });
    return { token, expiresAt };
  }
  /** Called on every API request: a plain read; only an expired session costs a write (its removal). */
  async getSession(token: string): Promise<SessionRecord | null> {
    const hash = hashToken(token);
    const found = await this.#read((c) => audit.findSession(c, hash));
    if (found === null) return null;
    if (found.expiresAt.getTime() > Date.now()) return found;
    await this.#write((c) => audit.deleteSession(c, hash));
    return null;
  }
  deleteSession(token: string): Promise<void> {
    return this.#write((c) => audit.deleteSession(c, hashToken(token)));
  }

  // ---- NFSv4 client records for the data path ----

  /** The NFSv4 client records of the daemon `daemon` (its id), for reclaim after a restart. */
  nfs4Clients(daemon: string): Nfs4ClientStore {
    return {
      list: () => this.#read((c) => nfs4.listNfs4Clients(c, daemon)),
      put: (r) => this.#write((c) => nfs4.putNfs4Client(c, daemon, r)),
      remove: (owner) => this.#write((c) => nfs4.removeNfs4Client(c, daemon, owner)),
    };
  }

  // ---- identity for the data path ----

  loadIdentity(): Promise<IdentitySnapshot> {
    return this.#read(async (c) => {
      const allGroups = await groups.listGroups(c);
      const gidOf = new Map(allGroups.map((g) => [g.name, g.gid]));
      const principals: Principal[] = (await users.listUsersWithNtHash(c)).map((u) => ({
        username: u.username,
        uid: u.uid,
        gid: u.gid,
        gids: [...new Set([u.gid, ...u.groups.map((g) => gidOf.get(g)!)])],
        role: u.role,
        enabled: u.enabled,
        ntHash: u.ntHash,
      }));
      return { principals, groups: allGroups, permissions: await permissions.listPermissions(c) };
    });
  }
}
