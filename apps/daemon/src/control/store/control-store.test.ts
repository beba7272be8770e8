import { beforeEach, expect, it } from "vitest";
import { ControlError } from "../errors.ts";
import { describeOnBothDatabases, storeHarness } from "../testing/control-store.ts";
import type { ControlStore } from "./control-store.ts";
import { verifyPassword } from "./passwords.ts";

/** Resolves to the ControlError a promise rejects with (fails the test if it resolves). */
async function controlError(p: Promise<unknown>): Promise<ControlError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ControlError);
  return e as ControlError;
}

describeOnBothDatabases("ControlStore users and groups", (dialect) => {
  const h = storeHarness(dialect);
  let store: ControlStore;
  beforeEach(async () => {
    store = await h.fresh();
  });

  it("creates users with scrypt and NT hashes, assigning uids from 1000 and gid = uid", async () => {
    const a = await store.createUser({ username: "alice", password: "password", role: "admin" });
    const b = await store.createUser({ username: "bob", password: "hunter22", role: "user", gid: 100 });
    expect([a.uid, a.gid, b.uid, b.gid]).toEqual([1000, 1000, 1001, 100]);
    const cred = await store.getCredentials("alice");
    expect(cred?.passwordHash.startsWith("scrypt$")).toBe(true);
    expect(await verifyPassword("password", cred!.passwordHash)).toBe(true);
    // [MS-NLMP] NTOWFv1("password"), the well-known vector.
    expect(cred?.ntHash?.toString("hex")).toBe("8846f7eaee8fb117ad06bdd830b7586c");
    expect((await store.authenticate("alice", "password"))?.username).toBe("alice");
    expect(await store.authenticate("alice", "Password")).toBeNull();
    expect(await store.authenticate("nobody", "password")).toBeNull();
  });

  it("rejects a duplicate username or uid naming the field, and writes nothing", async () => {
    await store.createUser({ username: "alice", password: "password", role: "user", uid: 2000 });
    const dupName = await controlError(
      store.createUser({ username: "alice", password: "password1", role: "admin" }),
    );
    expect([dupName.code, dupName.field]).toEqual(["CONFLICT", "username"]);
    const dupUid = await controlError(
      store.createUser({ username: "carol", password: "password", role: "user", uid: 2000 }),
    );
    expect([dupUid.code, dupUid.field]).toEqual(["CONFLICT", "uid"]);
    expect((await store.listUsers()).map((u) => [u.username, u.role])).toEqual([["alice", "user"]]);
  });

  it("lists with a case-insensitive search that treats % and _ literally", async () => {
    for (const username of ["Alice", "malik", "bob", "a_b", "axb"]) {
      await store.createUser({ username, password: "password", role: "user" });
    }
    expect((await store.listUsers("LI")).map((u) => u.username)).toEqual(["Alice", "malik"]);
    expect((await store.listUsers("_")).map((u) => u.username)).toEqual(["a_b"]);
    expect((await store.listUsers("%")).map((u) => u.username)).toEqual([]);
  });

  it("updates users, and refuses to demote, disable or delete the last enabled admin", async () => {
    await store.createUser({ username: "root", password: "password", role: "admin" });
    const e1 = await controlError(store.updateUser("root", { role: "user" }));
    expect(e1.code).toBe("IN_USE");
    expect(e1.message).toMatch(/last enabled admin/);
    expect((await controlError(store.updateUser("root", { enabled: false }))).code).toBe("IN_USE");
    expect((await controlError(store.deleteUser("root"))).code).toBe("IN_USE");
    await store.createUser({ username: "second", password: "password", role: "admin" });
    const updated = await store.updateUser("root", { role: "operator", uid: 4242 });
    expect([updated.role, updated.uid]).toEqual(["operator", 4242]);
    expect((await controlError(store.updateUser("root", { uid: 1001 }))).field).toBe("uid");
    expect((await controlError(store.updateUser("ghost", { role: "user" }))).code).toBe("NOT_FOUND");
  });

  it("changes a password: both hashes, the must-change flag and (on reset) sessions", async () => {
    await store.createUser({ username: "u", password: "password", role: "user", mustChangePassword: true });
    const { token } = await store.createSession("u", 60_000);
    await store.setPassword("u", "newpassword", { mustChangePassword: false });
    expect(await store.authenticate("u", "password")).toBeNull();
    const user = await store.authenticate("u", "newpassword");
    expect(user?.mustChangePassword).toBe(false);
    expect((await store.getCredentials("u"))?.ntHash?.toString("hex")).not.toBe(
      "8846f7eaee8fb117ad06bdd830b7586c",
    );
    expect(await store.getSession(token)).not.toBeNull();
    await store.setPassword("u", "password", { endSessions: true });
    expect(await store.getSession(token)).toBeNull();
  });

  it("keeps sessions by token hash, expires them, and ends them when the user is disabled", async () => {
    await store.createUser({ username: "admin", password: "password", role: "admin" });
    await store.createUser({ username: "u", password: "password", role: "user" });
    const s = await store.createSession("u", 60_000);
    expect(s.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await store.getSession(s.token))?.user.username).toBe("u");
    expect(await store.getSession(`${s.token}x`)).toBeNull();
    const expired = await store.createSession("u", -1);
    expect(await store.getSession(expired.token)).toBeNull();
    await store.updateUser("u", { role: "user", enabled: true, uid: 4321 });
    expect(await store.getSession(s.token)).not.toBeNull();
    await store.updateUser("u", { enabled: false });
    expect(await store.getSession(s.token)).toBeNull();
    const other = await store.createSession("admin", 60_000);
    await store.deleteSession(other.token);
    expect(await store.getSession(other.token)).toBeNull();
  });

  it("manages groups and membership; deleting a user drops their memberships", async () => {
    await store.createUser({ username: "a", password: "password", role: "user" });
    await store.createUser({ username: "b", password: "password", role: "user" });
    const g = await store.createGroup("staff");
    expect(g.gid).toBe(10_000);
    expect((await store.createGroup("ops")).gid).toBe(10_001);
    expect((await controlError(store.createGroup("staff"))).field).toBe("name");
    expect((await controlError(store.createGroup("x", 10_000))).field).toBe("gid");
    await store.addMember("staff", "b");
    await store.addMember("staff", "a");
    await store.addMember("staff", "a");
    expect((await store.getGroup("staff")).members).toEqual(["a", "b"]);
    expect((await store.getUser("a")).groups).toEqual(["staff"]);
    expect((await controlError(store.addMember("staff", "ghost"))).field).toBe("username");
    expect((await controlError(store.removeMember("ops", "a"))).code).toBe("NOT_FOUND");
    await store.deleteUser("b");
    expect((await store.getGroup("staff")).members).toEqual(["a"]);
    expect((await store.updateGroup("staff", 500)).gid).toBe(500);
    await store.deleteGroup("staff");
    expect((await store.getUser("a")).groups).toEqual([]);
    expect((await controlError(store.getGroup("staff"))).code).toBe("NOT_FOUND");
  });

  it("rolls back a whole transaction when any write in it fails", async () => {
    const e = await controlError(
      store.transaction(async (tx) => {
        await tx.createGroup("first");
        await tx.createUser({ username: "inside", password: "password", role: "user" });
        await tx.createGroup("first");
      }),
    );
    expect(e.code).toBe("CONFLICT");
    expect(await store.listGroups()).toEqual([]);
    expect(await store.countUsers()).toBe(0);
  });

  it("gives parallel creates distinct automatic ids", async () => {
    const names = Array.from({ length: 8 }, (_, i) => `n${i}`);
    const made = await Promise.all(names.map((n) => store.createGroup(n)));
    expect(new Set(made.map((g) => g.gid)).size).toBe(8);
    const people = await Promise.all(
      names.map((n) => store.createUser({ username: n, password: "password", role: "user" })),
    );
    expect(new Set(people.map((u) => u.uid)).size).toBe(8);
  });

  it("gives the identity snapshot with group gids and NT hashes, and keeps it across a reopen", async () => {
    await store.createUser({ username: "a", password: "password", role: "user", gid: 100 });
    await store.createGroup("staff", 3000);
    await store.addMember("staff", "a");
    store = await h.reopen(store);
    const snap = await store.loadIdentity();
    expect(snap.principals).toHaveLength(1);
    expect(snap.principals[0]).toMatchObject({ username: "a", uid: 1000, gid: 100, gids: [100, 3000] });
    expect(snap.principals[0]?.ntHash?.length).toBe(16);
    expect(snap.groups.map((g) => g.name)).toEqual(["staff"]);
  });
});
