/** Metadata and block store configs: named, typed, with a JSON config; shares refer to them. */
import { asc, eq } from "drizzle-orm";
import { conflict, inUse, notFound } from "../errors.ts";
import type { Ctx } from "./ctx.ts";
import type { StoreKind, StoreRecord } from "./types.ts";

export interface StorePatch {
  type?: string | undefined;
  config?: Record<string, unknown> | undefined;
}

function table(c: Ctx, kind: StoreKind) {
  return kind === "metadata" ? c.t.metadataStores : c.t.blockStores;
}

const label = (kind: StoreKind) => `${kind} store`;

export async function storeRow(c: Ctx, kind: StoreKind, name: string): Promise<StoreRecord | undefined> {
  const tb = table(c, kind);
  const [row] = await c.q.select().from(tb).where(eq(tb.name, name));
  return row;
}

export async function getStore(c: Ctx, kind: StoreKind, name: string, field = "name"): Promise<StoreRecord> {
  const row = await storeRow(c, kind, name);
  if (row === undefined) throw notFound(label(kind), name, field);
  return row;
}

export async function listStores(c: Ctx, kind: StoreKind): Promise<StoreRecord[]> {
  const tb = table(c, kind);
  return c.q.select().from(tb).orderBy(asc(tb.name));
}

export async function createStore(
  c: Ctx,
  kind: StoreKind,
  input: { name: string; type: string; config: Record<string, unknown> },
): Promise<StoreRecord> {
  if ((await storeRow(c, kind, input.name)) !== undefined) throw conflict("name", input.name);
  const now = new Date();
  const [row] = await c.q
    .insert(table(c, kind))
    .values({ name: input.name, type: input.type, config: input.config, createdAt: now, updatedAt: now })
    .returning();
  return row!;
}

export async function updateStore(
  c: Ctx,
  kind: StoreKind,
  name: string,
  patch: StorePatch,
): Promise<StoreRecord> {
  const row = await getStore(c, kind, name);
  const tb = table(c, kind);
  const [updated] = await c.q
    .update(tb)
    .set({ type: patch.type ?? row.type, config: patch.config ?? row.config, updatedAt: new Date() })
    .where(eq(tb.id, row.id))
    .returning();
  return updated!;
}

/** Names of the shares using a store, sorted. */
export async function sharesUsingStore(c: Ctx, kind: StoreKind, id: number): Promise<string[]> {
  const { q, t } = c;
  const column = kind === "metadata" ? t.shares.metadataStoreId : t.shares.blockStoreId;
  const rows = await q
    .select({ name: t.shares.name })
    .from(t.shares)
    .where(eq(column, id))
    .orderBy(asc(t.shares.name));
  return rows.map((r) => r.name);
}

export async function deleteStore(c: Ctx, kind: StoreKind, name: string): Promise<void> {
  const row = await getStore(c, kind, name);
  const users = await sharesUsingStore(c, kind, row.id);
  if (users.length > 0) {
    throw inUse(`${label(kind)} ${name} is used by share ${users.join(", ")}`);
  }
  const tb = table(c, kind);
  await c.q.delete(tb).where(eq(tb.id, row.id));
}
