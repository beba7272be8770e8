/**
 * Control-plane tables for SQLite. Kept in step with schema-pg.ts column for column: the
 * repository (control-store.ts) builds its queries on this module's shape and runs them on either
 * dialect, so a column added here must be added there too (and migrations generated for both:
 * `npx drizzle-kit generate --config apps/daemon/drizzle.sqlite.config.ts`, same for postgres).
 */
import { ACCESS_LEVELS, type NfsClientRule, PERMISSION_LEVELS, ROLES, SQUASH_MODES } from "@dittofs/shared";
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const createdAt = () =>
  integer("created_at", { mode: "timestamp_ms" }).notNull().default(sql`(unixepoch('subsec') * 1000)`);
const updatedAt = () =>
  integer("updated_at", { mode: "timestamp_ms" }).notNull().default(sql`(unixepoch('subsec') * 1000)`);
const bool = (name: string, value: boolean) => integer(name, { mode: "boolean" }).notNull().default(value);
const json = (name: string) => text(name, { mode: "json" }).$type<Record<string, unknown>>().notNull();

export const users = sqliteTable("users", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  username: text("username").notNull().unique(),
  uid: integer("uid").notNull().unique(),
  gid: integer("gid").notNull(),
  role: text("role", { enum: ROLES }).notNull(),
  passwordHash: text("password_hash").notNull(),
  /** Hex of MD4(UTF-16LE(password)). */
  ntHash: text("nt_hash"),
  enabled: bool("enabled", true),
  mustChangePassword: bool("must_change_password", false),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const groups = sqliteTable("groups", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
  gid: integer("gid").notNull().unique(),
  createdAt: createdAt(),
});

export const groupMembers = sqliteTable(
  "group_members",
  {
    groupId: integer("group_id")
      .notNull()
      .references(() => groups.id, { onDelete: "cascade" }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.userId] }), index("group_members_user_idx").on(t.userId)],
);

export const metadataStores = sqliteTable("metadata_stores", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
  type: text("type").notNull(),
  config: json("config"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const blockStores = sqliteTable("block_stores", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
  type: text("type").notNull(),
  config: json("config"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const shares = sqliteTable("shares", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
  metadataStoreId: integer("metadata_store_id")
    .notNull()
    .references(() => metadataStores.id, { onDelete: "restrict" }),
  blockStoreId: integer("block_store_id")
    .notNull()
    .references(() => blockStores.id, { onDelete: "restrict" }),
  readOnly: bool("read_only", false),
  squash: text("squash", { enum: SQUASH_MODES }).notNull(),
  anonUid: integer("anon_uid").notNull(),
  anonGid: integer("anon_gid").notNull(),
  nfs: bool("nfs", true),
  smb: bool("smb", true),
  guest: bool("guest", false),
  /** SMB 3 encryption required on this share's trees. */
  encryptData: bool("encrypt_data", false),
  /** exports(5)-style client list (see shared nfsClientsSchema); existing shares admit every host. */
  nfsClients: text("nfs_clients", { mode: "json" })
    .$type<NfsClientRule[]>()
    .notNull()
    .default(sql`'[{"host":"*","access":"read-write"}]'`),
  anonymousAccess: text("anonymous_access", { enum: ACCESS_LEVELS }).notNull().default("read-write"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const sharePermissions = sqliteTable(
  "share_permissions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    shareId: integer("share_id")
      .notNull()
      .references(() => shares.id, { onDelete: "cascade" }),
    userId: integer("user_id").references(() => users.id, { onDelete: "cascade" }),
    groupId: integer("group_id").references(() => groups.id, { onDelete: "cascade" }),
    level: text("level", { enum: PERMISSION_LEVELS }).notNull(),
  },
  (t) => [
    uniqueIndex("share_permissions_user_uq").on(t.shareId, t.userId),
    uniqueIndex("share_permissions_group_uq").on(t.shareId, t.groupId),
  ],
);

export const adapters = sqliteTable("adapters", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  type: text("type").notNull().unique(),
  enabled: bool("enabled", true),
  port: integer("port").notNull(),
  settings: json("settings"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value", { mode: "json" }).$type<string | number | boolean>().notNull(),
  updatedAt: updatedAt(),
});

export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at", { mode: "timestamp_ms" }).notNull(),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    target: text("target"),
    result: text("result", { enum: ["ok", "error"] }).notNull(),
    detail: text("detail"),
    /** The client the change came from (the API caller's address); null on rows from before it was kept. */
    address: text("address"),
  },
  (t) => [index("audit_log_at_idx").on(t.at), index("audit_log_actor_idx").on(t.actor)],
);

export const sessions = sqliteTable(
  "sessions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** SHA-256 of the token, hex; the token itself is never stored. */
    tokenHash: text("token_hash").notNull().unique(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("sessions_user_idx").on(t.userId), index("sessions_expires_idx").on(t.expiresAt)],
);

/**
 * NFSv4 client records (domain/nfs4-clients.ts), per daemon: `daemon` is the daemon id, so
 * daemons sharing one PostgreSQL control store keep theirs apart. Binary fields are hex text
 * (the same JS type in both dialects); the clientid4 is a decimal string (64 bits).
 */
export const nfs4Clients = sqliteTable(
  "nfs4_clients",
  {
    daemon: text("daemon").notNull(),
    owner: text("owner").notNull(),
    clientId: text("client_id").notNull(),
    verifier: text("verifier").notNull(),
    principal: text("principal").notNull(),
    minorVersion: integer("minor_version").notNull(),
    confirmed: bool("confirmed", false),
    reclaimComplete: bool("reclaim_complete", false),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.daemon, t.owner] })],
);
