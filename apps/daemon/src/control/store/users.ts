/** Users: rows, group names, credentials and the last-admin guard. */
import { and, asc, count, eq, gte, inArray, max, ne, sql } from "drizzle-orm";
import { conflict, inUse, notFound } from "../errors.ts";
import { AUTO_UID_MIN, type Ctx, likeContains } from "./ctx.ts";
import type { Role, UserCredentials, UserRecord } from "./types.ts";

type UserRow = Awaited<ReturnType<typeof userRow>>;

export interface NewUser {
  username: string;
  passwordHash: string;
  ntHash: Buffer;
  uid?: number | undefined;
  gid?: number | undefined;
  role: Role;
  enabled?: boolean | undefined;
  mustChangePassword?: boolean | undefined;
}

export interface UserPatch {
  uid?: number | undefined;
  gid?: number | undefined;
  role?: Role | undefined;
  enabled?: boolean | undefined;
  mustChangePassword?: boolean | undefined;
}

async function userRow({ q, t }: Ctx, username: string) {
  const [row] = await q.select().from(t.users).where(eq(t.users.username, username));
  return row;
}

export async function requireUserRow(c: Ctx, username: string): Promise<NonNullable<UserRow>> {
  const row = await userRow(c, username);
  if (row === undefined) throw notFound("user", username, "username");
  return row;
}

/** Group names per user id, sorted. */
async function groupNamesByUser({ q, t }: Ctx, userIds: number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  if (userIds.length === 0) return out;
  const rows = await q
    .select({ userId: t.groupMembers.userId, name: t.groups.name })
    .from(t.groupMembers)
    .innerJoin(t.groups, eq(t.groups.id, t.groupMembers.groupId))
    .where(inArray(t.groupMembers.userId, userIds))
    .orderBy(asc(t.groups.name));
  for (const r of rows) out.set(r.userId, [...(out.get(r.userId) ?? []), r.name]);
  return out;
}

function toRecord(row: NonNullable<UserRow>, groups: string[]): UserRecord {
  return {
    id: row.id,
    username: row.username,
    uid: row.uid,
    gid: row.gid,
    role: row.role,
    enabled: row.enabled,
    mustChangePassword: row.mustChangePassword,
    groups,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export async function toUserRecords(c: Ctx, rows: NonNullable<UserRow>[]): Promise<UserRecord[]> {
  const groups = await groupNamesByUser(
    c,
    rows.map((r) => r.id),
  );
  return rows.map((r) => toRecord(r, groups.get(r.id) ?? []));
}

export async function listUsers(c: Ctx, search?: string): Promise<UserRecord[]> {
  const { q, t } = c;
  const where =
    search === undefined || search === ""
      ? undefined
      : sql`lower(${t.users.username}) like ${likeContains(search)} escape '\\'`;
  const rows = await q.select().from(t.users).where(where).orderBy(asc(t.users.username));
  return toUserRecords(c, rows);
}

export async function getUser(c: Ctx, username: string): Promise<UserRecord> {
  const [rec] = await toUserRecords(c, [await requireUserRow(c, username)]);
  return rec!;
}

export async function getCredentials(c: Ctx, username: string): Promise<UserCredentials | null> {
  const row = await userRow(c, username);
  if (row === undefined) return null;
  const [user] = await toUserRecords(c, [row]);
  return {
    user: user!,
    passwordHash: row.passwordHash,
    ntHash: row.ntHash === null ? null : Buffer.from(row.ntHash, "hex"),
  };
}

/** Every user with their NT hash, for the identity directory (one query, not one per user). */
export async function listUsersWithNtHash(c: Ctx): Promise<Array<UserRecord & { ntHash: Buffer | null }>> {
  const rows = await c.q.select().from(c.t.users).orderBy(asc(c.t.users.username));
  const records = await toUserRecords(c, rows);
  return records.map((r, i) => {
    const hex = rows[i]!.ntHash;
    return { ...r, ntHash: hex === null ? null : Buffer.from(hex, "hex") };
  });
}

async function nextUid({ q, t }: Ctx): Promise<number> {
  const [r] = await q
    .select({ m: max(t.users.uid) })
    .from(t.users)
    .where(gte(t.users.uid, AUTO_UID_MIN));
  return r?.m == null ? AUTO_UID_MIN : Number(r.m) + 1;
}

async function assertUidFree({ q, t }: Ctx, uid: number, exceptId?: number): Promise<void> {
  const where =
    exceptId === undefined ? eq(t.users.uid, uid) : and(eq(t.users.uid, uid), ne(t.users.id, exceptId));
  const [r] = await q.select({ id: t.users.id }).from(t.users).where(where);
  if (r !== undefined) throw conflict("uid", String(uid));
}

export async function createUser(c: Ctx, u: NewUser): Promise<UserRecord> {
  if ((await userRow(c, u.username)) !== undefined) throw conflict("username", u.username);
  const uid = u.uid ?? (await nextUid(c));
  await assertUidFree(c, uid);
  const now = new Date();
  const [row] = await c.q
    .insert(c.t.users)
    .values({
      username: u.username,
      uid,
      // A private group per user (gid = uid) unless given, as Debian's adduser does.
      gid: u.gid ?? uid,
      role: u.role,
      passwordHash: u.passwordHash,
      ntHash: u.ntHash.toString("hex"),
      enabled: u.enabled ?? true,
      mustChangePassword: u.mustChangePassword ?? false,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return toRecord(row!, []);
}

/** Refuses to remove, demote or disable the last enabled admin: nobody could manage the daemon. */
async function assertNotLastAdmin(c: Ctx, row: NonNullable<UserRow>, what: string): Promise<void> {
  if (row.role !== "admin" || !row.enabled) return;
  const { q, t } = c;
  const [r] = await q
    .select({ n: count() })
    .from(t.users)
    .where(and(eq(t.users.role, "admin"), eq(t.users.enabled, true), ne(t.users.id, row.id)));
  if ((r?.n ?? 0) === 0) throw inUse(`cannot ${what} ${row.username}: the last enabled admin`, "username");
}

export async function updateUser(c: Ctx, username: string, patch: UserPatch): Promise<UserRecord> {
  const row = await requireUserRow(c, username);
  if (patch.uid !== undefined) await assertUidFree(c, patch.uid, row.id);
  if ((patch.role !== undefined && patch.role !== "admin") || patch.enabled === false) {
    await assertNotLastAdmin(c, row, patch.enabled === false ? "disable" : "demote");
  }
  const values = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  await c.q
    .update(c.t.users)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(c.t.users.id, row.id));
  return getUser(c, username);
}

export async function setPasswordHashes(
  c: Ctx,
  username: string,
  passwordHash: string,
  nt: Buffer,
  mustChangePassword: boolean,
): Promise<void> {
  const row = await requireUserRow(c, username);
  await c.q
    .update(c.t.users)
    .set({ passwordHash, ntHash: nt.toString("hex"), mustChangePassword, updatedAt: new Date() })
    .where(eq(c.t.users.id, row.id));
}

export async function deleteUser(c: Ctx, username: string): Promise<void> {
  const row = await requireUserRow(c, username);
  await assertNotLastAdmin(c, row, "delete");
  await c.q.delete(c.t.users).where(eq(c.t.users.id, row.id));
}

export async function countUsers({ q, t }: Ctx): Promise<number> {
  const [r] = await q.select({ n: count() }).from(t.users);
  return r?.n ?? 0;
}
