/**
 * Control-plane tables for PostgreSQL, in step with schema-sqlite.ts (same tables, columns,
 * constraints and JS value types: unix ids are bigint-as-number because they reach 2^32 - 2).
 */
import { ACCESS_LEVELS, type NfsClientRule, PERMISSION_LEVELS, ROLES, SQUASH_MODES } from "@dittofs/shared";
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

const createdAt = () => timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
const updatedAt = () => timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
const bool = (name: string, value: boolean) => boolean(name).notNull().default(value);
const json = (name: string) => jsonb(name).$type<Record<string, unknown>>().notNull();
const unixId = (name: string) => bigint(name, { mode: "number" });

export const users = pgTable("users", {
  id: serial("id").primaryKey(),
  username: text("username").notNull().unique(),
  uid: unixId("uid").notNull().unique(),
  gid: unixId("gid").notNull(),
  role: text("role", { enum: ROLES }).notNull(),
  passwordHash: text("password_hash").notNull(),
  ntHash: text("nt_hash"),
  enabled: bool("enabled", true),
  mustChangePassword: bool("must_change_password", false),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const groups = pgTable("groups", {
  id: serial("id").primaryKey(),
  name: text("name").notNull().unique(),
  gid: unixId("gid").notNull().unique(),
  createdAt: createdAt(),
});

export const groupMembers = pgTable(
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

export const metadataStores = pgTable("metadata_stores", {
  id: serial("id").primaryKey(),
  name: text("name").notNull().unique(),
  type: text("type").notNull(),
  config: json("config"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const blockStores = pgTable("block_stores", {
  id: serial("id").primaryKey(),
  name: text("name").notNull().unique(),
  type: text("type").notNull(),
  config: json("config"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const shares = pgTable("shares", {
  id: serial("id").primaryKey(),
  name: text("name").notNull().unique(),
  metadataStoreId: integer("metadata_store_id")
    .notNull()
    .references(() => metadataStores.id, { onDelete: "restrict" }),
  blockStoreId: integer("block_store_id")
    .notNull()
    .references(() => blockStores.id, { onDelete: "restrict" }),
  readOnly: bool("read_only", false),
  squash: text("squash", { enum: SQUASH_MODES }).notNull(),
  anonUid: unixId("anon_uid").notNull(),
  anonGid: unixId("anon_gid").notNull(),
  nfs: bool("nfs", true),
  smb: bool("smb", true),
  guest: bool("guest", false),
  /** SMB 3 encryption required on this share's trees. */
  encryptData: bool("encrypt_data", false),
  nfsClients: jsonb("nfs_clients")
    .$type<NfsClientRule[]>()
    .notNull()
    .default(sql`'[{"host":"*","access":"read-write"}]'::jsonb`),
  anonymousAccess: text("anonymous_access", { enum: ACCESS_LEVELS }).notNull().default("read-write"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const sharePermissions = pgTable(
  "share_permissions",
  {
    id: serial("id").primaryKey(),
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

export const adapters = pgTable("adapters", {
  id: serial("id").primaryKey(),
  type: text("type").notNull().unique(),
  enabled: bool("enabled", true),
  port: integer("port").notNull(),
  settings: json("settings"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const settings = pgTable("settings", {
  key: text("key").primaryKey(),
  value: jsonb("value").$type<string | number | boolean>().notNull(),
  updatedAt: updatedAt(),
});

export const auditLog = pgTable(
  "audit_log",
  {
    id: serial("id").primaryKey(),
    at: timestamp("at", { withTimezone: true, mode: "date" }).notNull(),
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

export const sessions = pgTable(
  "sessions",
  {
    id: serial("id").primaryKey(),
    tokenHash: text("token_hash").notNull().unique(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [index("sessions_user_idx").on(t.userId), index("sessions_expires_idx").on(t.expiresAt)],
);

/** NFSv4 client records per daemon; see schema-sqlite.ts. */
export const nfs4Clients = pgTable(
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
