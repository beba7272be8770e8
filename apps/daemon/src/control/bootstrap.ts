/**
 * First start and declared config. `bootstrapControlPlane` seeds an empty control plane so a new
 * user can mount at once (docs/architecture.md "Control plane"); `applyDeclaredConfig` upserts the stores and
 * shares a YAML config declares. Both are idempotent and each runs in one transaction. They write
 * the ControlStore only: call them before the Runtime loads its live state from it.
 */
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import type { ControlStore } from "./store/control-store.ts";
import { NOBODY_ID } from "./store/ctx.ts";
import type { NewShare } from "./store/shares.ts";
import type { StoreKind, StoreRecord } from "./store/types.ts";

export const ADMIN_USERNAME = "admin";
export const DEFAULT_GROUPS = ["admins", "operators", "users"] as const;
export const DEFAULT_ADAPTERS = [
  { type: "nfs", port: 12049 },
  { type: "smb", port: 12445 },
] as const;
export const DEFAULT_STORE_NAME = "default";
export const DEFAULT_SHARE_NAME = "/export";
/** 18 random bytes → 24 base64url characters (144 bits). */
const GENERATED_PASSWORD_BYTES = 18;

export interface BootstrapOptions {
  /** DITTOFS_ADMIN_PASSWORD; generated when absent. */
  adminPassword?: string | undefined;
  dataDir: string;
}

export interface BootstrapResult {
  /** False when the control plane already had users: nothing was written. */
  created: boolean;
  adminUsername: string;
  /** The admin password when one was set now (print it once, write it to a 0600 file); else null. */
  adminPassword: string | null;
  /** True when the password was generated rather than given. */
  generated: boolean;
}

export function defaultStoreConfigs(dataDir: string) {
  const root = resolve(dataDir);
  return {
    metadata: { type: "sqlite", config: { path: join(root, "metadata", `${DEFAULT_STORE_NAME}.db`) } },
    block: { type: "fs", config: { path: join(root, "blocks", DEFAULT_STORE_NAME) } },
  };
}

async function ensureStore(tx: ControlStore, kind: StoreKind, type: string, config: Record<string, unknown>) {
  if ((await tx.findStore(kind, DEFAULT_STORE_NAME)) === null) {
    await tx.createStore(kind, { name: DEFAULT_STORE_NAME, type, config });
  }
}

/** Seeds an empty control plane; does nothing once any user exists. */
export async function bootstrapControlPlane(
  store: ControlStore,
  opts: BootstrapOptions,
): Promise<BootstrapResult> {
  const given = opts.adminPassword !== undefined && opts.adminPassword !== "";
  const password = given ? opts.adminPassword! : randomBytes(GENERATED_PASSWORD_BYTES).toString("base64url");
  const created = await store.transaction(async (tx) => {
    if ((await tx.countUsers()) > 0) return false;
    const existingGroups = new Set((await tx.listGroups()).map((g) => g.name));
    for (const name of DEFAULT_GROUPS) if (!existingGroups.has(name)) await tx.createGroup(name);
    await tx.createUser({ username: ADMIN_USERNAME, password, role: "admin" });
    await tx.addMember("admins", ADMIN_USERNAME);
    for (const a of DEFAULT_ADAPTERS) {
      if ((await tx.findAdapter(a.type)) === null) await tx.createAdapter({ ...a, enabled: true });
    }
    const defaults = defaultStoreConfigs(opts.dataDir);
    await ensureStore(tx, "metadata", defaults.metadata.type, defaults.metadata.config);
    await ensureStore(tx, "block", defaults.block.type, defaults.block.config);
    if ((await tx.findShare(DEFAULT_SHARE_NAME)) === null) {
      await tx.createShare({
        name: DEFAULT_SHARE_NAME,
        metadataStore: DEFAULT_STORE_NAME,
        blockStore: DEFAULT_STORE_NAME,
        squash: "root_squash",
        anonUid: NOBODY_ID,
        anonGid: NOBODY_ID,
        nfs: true,
        smb: true,
      });
    }
    await tx.setPermission(DEFAULT_SHARE_NAME, { user: ADMIN_USERNAME }, "read-write");
    await tx.appendAudit({ actor: "system", action: "bootstrap", target: ADMIN_USERNAME, result: "ok" });
    return true;
  });
  return {
    created,
    adminUsername: ADMIN_USERNAME,
    adminPassword: created ? password : null,
    generated: created && !given,
  };
}

export interface DeclaredStore {
  name: string;
  type: string;
  config: Record<string, unknown>;
}

/** A declared share has exactly the fields a created one does. */
export type DeclaredShare = NewShare;

/** The `declared` part of the daemon config. */
export interface DeclaredConfig {
  metadataStores?: DeclaredStore[];
  blockStores?: DeclaredStore[];
  shares?: DeclaredShare[];
}

export interface ApplyResult {
  /** Like "metadata store fast", "share /data". */
  created: string[];
  updated: string[];
}

/** JSON with sorted keys, so equal configs compare equal whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

async function upsertStore(tx: ControlStore, kind: StoreKind, s: DeclaredStore, out: ApplyResult) {
  const label = `${kind} store ${s.name}`;
  const current: StoreRecord | null = await tx.findStore(kind, s.name);
  if (current === null) {
    await tx.createStore(kind, s);
    out.created.push(label);
  } else if (current.type !== s.type || canonical(current.config) !== canonical(s.config)) {
    await tx.updateStore(kind, s.name, { type: s.type, config: s.config });
    out.updated.push(label);
  }
}

async function upsertShare(tx: ControlStore, s: DeclaredShare, out: ApplyResult) {
  const current = await tx.findShare(s.name);
  if (current === null) {
    await tx.createShare(s);
    out.created.push(`share ${s.name}`);
    return;
  }
  const { name, ...fields } = s;
  // Values are scalars or, for nfsClients, a JSON list: compare by their JSON form.
  const changed = Object.entries(fields).some(
    ([k, v]) => v !== undefined && JSON.stringify(current[k as keyof typeof current]) !== JSON.stringify(v),
  );
  if (changed) {
    await tx.updateShare(name, fields);
    out.updated.push(`share ${name}`);
  }
}

/** Creates missing declared stores and shares and brings changed ones in line; never deletes. */
export async function applyDeclaredConfig(
  store: ControlStore,
  declared: DeclaredConfig,
): Promise<ApplyResult> {
  return store.transaction(async (tx) => {
    const out: ApplyResult = { created: [], updated: [] };
    for (const s of declared.metadataStores ?? []) await upsertStore(tx, "metadata", s, out);
    for (const s of declared.blockStores ?? []) await upsertStore(tx, "block", s, out);
    for (const s of declared.shares ?? []) await upsertShare(tx, s, out);
    if (out.created.length + out.updated.length > 0) {
      const detail = [...out.created.map((x) => `created ${x}`), ...out.updated.map((x) => `updated ${x}`)];
      await tx.appendAudit({
        actor: "system",
        action: "config.apply",
        result: "ok",
        detail: detail.join("; "),
      });
    }
    return out;
  });
}
