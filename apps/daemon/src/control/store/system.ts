/** Adapters (protocol listeners) and key/value settings. */
import { asc, eq, inArray } from "drizzle-orm";
import { conflict, notFound } from "../errors.ts";
import type { Ctx } from "./ctx.ts";
import type { AdapterRecord } from "./types.ts";

export interface NewAdapter {
  type: string;
  port: number;
  enabled?: boolean | undefined;
  settings?: Record<string, unknown> | undefined;
}

export type AdapterPatch = Partial<Omit<NewAdapter, "type">>;
export type SettingValue = string | number | boolean;

export async function listAdapters({ q, t }: Ctx): Promise<AdapterRecord[]> {
  return q.select().from(t.adapters).orderBy(asc(t.adapters.type));
}

export async function findAdapter({ q, t }: Ctx, type: string): Promise<AdapterRecord | undefined> {
  const [row] = await q.select().from(t.adapters).where(eq(t.adapters.type, type));
  return row;
}

export async function getAdapter(c: Ctx, type: string): Promise<AdapterRecord> {
  const row = await findAdapter(c, type);
  if (row === undefined) throw notFound("adapter", type, "type");
  return row;
}

export async function createAdapter(c: Ctx, a: NewAdapter): Promise<AdapterRecord> {
  if ((await findAdapter(c, a.type)) !== undefined) throw conflict("type", a.type);
  const now = new Date();
  const [row] = await c.q
    .insert(c.t.adapters)
    .values({
      type: a.type,
      port: a.port,
      enabled: a.enabled ?? true,
      settings: a.settings ?? {},
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return row!;
}

export async function updateAdapter(c: Ctx, type: string, patch: AdapterPatch): Promise<AdapterRecord> {
  const row = await getAdapter(c, type);
  const [updated] = await c.q
    .update(c.t.adapters)
    .set({
      port: patch.port ?? row.port,
      enabled: patch.enabled ?? row.enabled,
      settings: patch.settings ?? row.settings,
      updatedAt: new Date(),
    })
    .where(eq(c.t.adapters.id, row.id))
    .returning();
  return updated!;
}

export async function deleteAdapter(c: Ctx, type: string): Promise<void> {
  const row = await getAdapter(c, type);
  await c.q.delete(c.t.adapters).where(eq(c.t.adapters.id, row.id));
}

export async function getSettings({ q, t }: Ctx): Promise<Record<string, SettingValue>> {
  const rows = await q.select().from(t.settings).orderBy(asc(t.settings.key));
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

/** Upserts each key; a `null` value removes the key. */
export async function updateSettings(c: Ctx, values: Record<string, SettingValue | null>): Promise<void> {
  const { q, t } = c;
  const now = new Date();
  const removed = Object.keys(values).filter((k) => values[k] === null);
  if (removed.length > 0) await q.delete(t.settings).where(inArray(t.settings.key, removed));
  for (const [key, value] of Object.entries(values)) {
    if (value === null) continue;
    await q
      .insert(t.settings)
      .values({ key, value, updatedAt: now })
      .onConflictDoUpdate({ target: t.settings.key, set: { value, updatedAt: now } });
  }
}
