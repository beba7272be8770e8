/** Share permissions: a grant of a level to exactly one user or one group. */
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import { ControlError } from "../errors.ts";
import type { Ctx } from "./ctx.ts";
import { getShare } from "./shares.ts";
import type { Permission, SharePermissionRecord } from "./types.ts";
import { requireUserRow } from "./users.ts";

export interface Subject {
  user?: string | undefined;
  group?: string | undefined;
}

function selectPermissions({ q, t }: Ctx) {
  return q
    .select({
      share: t.shares.name,
      user: t.users.username,
      group: t.groups.name,
      level: t.sharePermissions.level,
    })
    .from(t.sharePermissions)
    .innerJoin(t.shares, eq(t.shares.id, t.sharePermissions.shareId))
    .leftJoin(t.users, eq(t.users.id, t.sharePermissions.userId))
    .leftJoin(t.groups, eq(t.groups.id, t.sharePermissions.groupId));
}

/** Every grant, for the Runtime's identity directory; or those of one share. */
export async function listPermissions(c: Ctx, share?: string): Promise<SharePermissionRecord[]> {
  const { t } = c;
  const base = selectPermissions(c);
  // User grants first, then group grants (NULLs sort differently in SQLite and PostgreSQL).
  const order = [
    asc(t.shares.name),
    asc(sql`case when ${t.sharePermissions.userId} is null then 1 else 0 end`),
    asc(t.users.username),
    asc(t.groups.name),
  ];
  if (share === undefined) return base.orderBy(...order);
  return base.where(eq(t.shares.id, (await getShare(c, share)).id)).orderBy(...order);
}

async function resolveSubject(
  c: Ctx,
  subject: Subject,
): Promise<{ userId: number | null; groupId: number | null }> {
  if (subject.user !== undefined)
    return { userId: (await requireUserRow(c, subject.user)).id, groupId: null };
  if (subject.group === undefined) throw new ControlError("INVALID", "give either user or group", "user");
  const [g] = await c.q
    .select({ id: c.t.groups.id })
    .from(c.t.groups)
    .where(eq(c.t.groups.name, subject.group));
  if (g === undefined) throw new ControlError("NOT_FOUND", `group ${subject.group} not found`, "group");
  return { userId: null, groupId: g.id };
}

function subjectWhere(c: Ctx, shareId: number, ids: { userId: number | null; groupId: number | null }) {
  const { t } = c;
  return and(
    eq(t.sharePermissions.shareId, shareId),
    ids.userId === null ? isNull(t.sharePermissions.userId) : eq(t.sharePermissions.userId, ids.userId),
    ids.groupId === null ? isNull(t.sharePermissions.groupId) : eq(t.sharePermissions.groupId, ids.groupId),
  );
}

/** Upsert: a subject has at most one grant per share. */
export async function setPermission(
  c: Ctx,
  share: string,
  subject: Subject,
  level: Permission,
): Promise<void> {
  const s = await getShare(c, share);
  const ids = await resolveSubject(c, subject);
  const updated = await c.q
    .update(c.t.sharePermissions)
    .set({ level })
    .where(subjectWhere(c, s.id, ids))
    .returning({ id: c.t.sharePermissions.id });
  if (updated.length === 0) await c.q.insert(c.t.sharePermissions).values({ shareId: s.id, ...ids, level });
}

export async function removePermission(c: Ctx, share: string, subject: Subject): Promise<void> {
  const s = await getShare(c, share);
  const ids = await resolveSubject(c, subject);
  const removed = await c.q
    .delete(c.t.sharePermissions)
    .where(subjectWhere(c, s.id, ids))
    .returning({ id: c.t.sharePermissions.id });
  if (removed.length === 0) {
    const who = subject.user !== undefined ? `user ${subject.user}` : `group ${subject.group}`;
    throw new ControlError(
      "NOT_FOUND",
      `${who} has no grant on share ${share}`,
      subject.user ? "user" : "group",
    );
  }
}
