/** The audit log (append-only, newest first, cursor-paged) and login sessions. */
import { and, desc, eq, gte, lt, lte, ne, type SQL } from "drizzle-orm";
import type { Ctx } from "./ctx.ts";
import type { AuditRecord, AuditResult, SessionRecord } from "./types.ts";
import { toUserRecords } from "./users.ts";

/** Longest `detail` kept in a row; error texts can be large. */
export const AUDIT_DETAIL_LENGTH_MAX = 2_000;
export const AUDIT_PAGE_DEFAULT = 100;

export interface NewAudit {
  actor: string;
  action: string;
  target?: string | null | undefined;
  result: AuditResult;
  detail?: string | null | undefined;
  /** The client address the change came from (the API caller's). */
  address?: string | null | undefined;
  at?: Date | undefined;
}

export interface AuditQuery {
  actor?: string | undefined;
  action?: string | undefined;
  since?: Date | undefined;
  limit?: number | undefined;
  cursor?: number | undefined;
}

/** Rows kept in the audit log; older ones are pruned so the table cannot grow without bound. */
export const AUDIT_ROWS_MAX = 100_000;
/** Pruning runs on every this-many-th row, so its cost is spread thin. */
export const AUDIT_PRUNE_EVERY = 1_000;

export async function appendAudit(
  { q, t }: Ctx,
  a: NewAudit,
  rowsMax = AUDIT_ROWS_MAX,
  pruneEvery = AUDIT_PRUNE_EVERY,
): Promise<void> {
  const [row] = await q
    .insert(t.auditLog)
    .values({
      at: a.at ?? new Date(),
      actor: a.actor,
      action: a.action,
      target: a.target ?? null,
      result: a.result,
      detail: a.detail == null ? null : a.detail.slice(0, AUDIT_DETAIL_LENGTH_MAX),
      address: a.address ?? null,
    })
    .returning({ id: t.auditLog.id });
  if (row !== undefined && row.id % pruneEvery === 0) {
    await q.delete(t.auditLog).where(lte(t.auditLog.id, row.id - rowsMax));
  }
}

export async function listAudit(
  { q, t }: Ctx,
  query: AuditQuery,
): Promise<{ items: AuditRecord[]; nextCursor: number | null }> {
  const limit = query.limit ?? AUDIT_PAGE_DEFAULT;
  const where: SQL[] = [];
  if (query.actor !== undefined) where.push(eq(t.auditLog.actor, query.actor));
  if (query.action !== undefined) where.push(eq(t.auditLog.action, query.action));
  if (query.since !== undefined) where.push(gte(t.auditLog.at, query.since));
  if (query.cursor !== undefined) where.push(lt(t.auditLog.id, query.cursor));
  const rows = await q
    .select()
    .from(t.auditLog)
    .where(and(...where))
    .orderBy(desc(t.auditLog.id))
    .limit(limit + 1);
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.id : null };
}

export async function insertSession({ q, t }: Ctx, tokenHash: string, userId: number, expiresAt: Date) {
  await q.insert(t.sessions).values({ tokenHash, userId, createdAt: new Date(), expiresAt });
}

/** The session (expired ones included: the caller checks `expiresAt`), or null when unknown. */
export async function findSession(c: Ctx, tokenHash: string): Promise<SessionRecord | null> {
  const { q, t } = c;
  const [row] = await q
    .select({ expiresAt: t.sessions.expiresAt, user: t.users })
    .from(t.sessions)
    .innerJoin(t.users, eq(t.users.id, t.sessions.userId))
    .where(eq(t.sessions.tokenHash, tokenHash));
  if (row === undefined) return null;
  const [user] = await toUserRecords(c, [row.user]);
  return { user: user!, expiresAt: row.expiresAt };
}

export async function deleteSession({ q, t }: Ctx, tokenHash: string): Promise<void> {
  await q.delete(t.sessions).where(eq(t.sessions.tokenHash, tokenHash));
}

/** Ends every session of the user, except the one whose token hash is `keepTokenHash`. */
export async function deleteUserSessions(
  { q, t }: Ctx,
  userId: number,
  keepTokenHash: string | null = null,
): Promise<void> {
  const mine = eq(t.sessions.userId, userId);
  await q
    .delete(t.sessions)
    .where(keepTokenHash === null ? mine : and(mine, ne(t.sessions.tokenHash, keepTokenHash)));
}

export async function purgeExpiredSessions({ q, t }: Ctx, now: Date): Promise<void> {
  await q.delete(t.sessions).where(lte(t.sessions.expiresAt, now));
}
