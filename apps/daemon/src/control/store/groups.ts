/** Groups and membership. */
import { and, asc, eq, gte, inArray, max, ne } from "drizzle-orm";
import { ControlError, conflict, notFound } from "../errors.ts";
import { AUTO_GID_MIN, type Ctx } from "./ctx.ts";
import type { GroupRecord } from "./types.ts";
import { requireUserRow } from "./users.ts";

async function groupRow({ q, t }: Ctx, name: string) {
  const [row] = await q.select().from(t.groups).where(eq(t.groups.name, name));
  return row;
}

async function requireGroupRow(c: Ctx, name: string) {
  const row = await groupRow(c, name);
  if (row === undefined) throw notFound("group", name);
  return row;
}

async function membersByGroup({ q, t }: Ctx, groupIds: number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  if (groupIds.length === 0) return out;
  const rows = await q
    .select({ groupId: t.groupMembers.groupId, username: t.users.username })
    .from(t.groupMembers)
    .innerJoin(t.users, eq(t.users.id, t.groupMembers.userId))
    .where(inArray(t.groupMembers.groupId, groupIds))
    .orderBy(asc(t.users.username));
  for (const r of rows) out.set(r.groupId, [...(out.get(r.groupId) ?? []), r.username]);
  return out;
}

type GroupRow = NonNullable<Awaited<ReturnType<typeof groupRow>>>;

async function toRecords(c: Ctx, rows: GroupRow[]): Promise<GroupRecord[]> {
  const members = await membersByGroup(
    c,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    gid: r.gid,
    members: members.get(r.id) ?? [],
    createdAt: r.createdAt,
  }));
}

export async function listGroups(c: Ctx): Promise<GroupRecord[]> {
  return toRecords(c, await c.q.select().from(c.t.groups).orderBy(asc(c.t.groups.name)));
}

export async function getGroup(c: Ctx, name: string): Promise<GroupRecord> {
  const [rec] = await toRecords(c, [await requireGroupRow(c, name)]);
  return rec!;
}

async function assertGidFree({ q, t }: Ctx, gid: number, exceptId?: number): Promise<void> {
  const where =
    exceptId === undefined ? eq(t.groups.gid, gid) : and(eq(t.groups.gid, gid), ne(t.groups.id, exceptId));
  const [r] = await q.select({ id: t.groups.id }).from(t.groups).where(where);
  if (r !== undefined) throw conflict("gid", String(gid));
}

export async function createGroup(c: Ctx, name: string, gid?: number): Promise<GroupRecord> {
  if ((await groupRow(c, name)) !== undefined) throw conflict("name", name);
  let assigned = gid;
  if (assigned === undefined) {
    const [r] = await c.q
      .select({ m: max(c.t.groups.gid) })
      .from(c.t.groups)
      .where(gte(c.t.groups.gid, AUTO_GID_MIN));
    assigned = r?.m == null ? AUTO_GID_MIN : Number(r.m) + 1;
  }
  await assertGidFree(c, assigned);
  await c.q.insert(c.t.groups).values({ name, gid: assigned, createdAt: new Date() });
  return getGroup(c, name);
}

export async function updateGroup(c: Ctx, name: string, gid: number): Promise<GroupRecord> {
  const row = await requireGroupRow(c, name);
  await assertGidFree(c, gid, row.id);
  await c.q.update(c.t.groups).set({ gid }).where(eq(c.t.groups.id, row.id));
  return getGroup(c, name);
}

export async function deleteGroup(c: Ctx, name: string): Promise<void> {
  const row = await requireGroupRow(c, name);
  await c.q.delete(c.t.groups).where(eq(c.t.groups.id, row.id));
}

/** Idempotent: adding a member twice leaves one membership. */
export async function addMember(c: Ctx, name: string, username: string): Promise<GroupRecord> {
  const group = await requireGroupRow(c, name);
  const user = await requireUserRow(c, username);
  await c.q.insert(c.t.groupMembers).values({ groupId: group.id, userId: user.id }).onConflictDoNothing();
  return getGroup(c, name);
}

export async function removeMember(c: Ctx, name: string, username: string): Promise<GroupRecord> {
  const group = await requireGroupRow(c, name);
  const user = await requireUserRow(c, username);
  const removed = await c.q
    .delete(c.t.groupMembers)
    .where(and(eq(c.t.groupMembers.groupId, group.id), eq(c.t.groupMembers.userId, user.id)))
    .returning();
  if (removed.length === 0) {
    throw new ControlError("NOT_FOUND", `user ${username} is not a member of group ${name}`, "username");
  }
  return getGroup(c, name);
}
