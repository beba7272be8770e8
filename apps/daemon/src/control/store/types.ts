/**
 * Records returned by ControlStore. Secrets (password and NT hashes, session token hashes) never
 * appear in these; they are read only through the dedicated credential methods.
 */
import type { AnonymousAccess, NfsClientRule } from "@dittofs/shared";
import type { Permission, Role, SquashMode } from "../../domain/share.ts";

export type { Permission, Role, SquashMode };
export type StoreKind = "metadata" | "block";

export interface UserRecord {
  id: number;
  username: string;
  uid: number;
  gid: number;
  role: Role;
  enabled: boolean;
  mustChangePassword: boolean;
  /** Names of the groups the user belongs to, sorted. */
  groups: string[];
  createdAt: Date;
  updatedAt: Date;
}

export interface UserCredentials {
  user: UserRecord;
  passwordHash: string;
  /** MD4(UTF-16LE(password)), 16 bytes; null only for rows written before NT hashes existed. */
  ntHash: Buffer | null;
}

export interface GroupRecord {
  id: number;
  name: string;
  gid: number;
  /** Usernames, sorted. */
  members: string[];
  createdAt: Date;
}

export interface StoreRecord {
  id: number;
  name: string;
  type: string;
  config: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

export interface ShareRecord {
  id: number;
  name: string;
  metadataStore: string;
  blockStore: string;
  readOnly: boolean;
  squash: SquashMode;
  anonUid: number;
  anonGid: number;
  nfs: boolean;
  smb: boolean;
  guest: boolean;
  encryptData: boolean;
  nfsClients: NfsClientRule[];
  anonymousAccess: AnonymousAccess;
  createdAt: Date;
  updatedAt: Date;
}

export interface SharePermissionRecord {
  share: string;
  /** Exactly one of user and group is set. */
  user: string | null;
  group: string | null;
  level: Permission;
}

export interface AdapterRecord {
  id: number;
  type: string;
  enabled: boolean;
  port: number;
  settings: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

export type AuditResult = "ok" | "error";

export interface AuditRecord {
  id: number;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  result: AuditResult;
  detail: string | null;
  /** The API caller's address; null for the daemon's own rows and rows kept from before. */
  address: string | null;
}

export interface SessionRecord {
  user: UserRecord;
  expiresAt: Date;
}
