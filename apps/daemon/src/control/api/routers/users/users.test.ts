import { expect, it } from "vitest";
import { type Api, beforeEachFreshApi, type Caller, trpcError } from "../../../testing/api.ts";
import { describeOnBothDatabases } from "../../../testing/control-store.ts";

describeOnBothDatabases("users and groups routers", (dialect) => {
  let api: Api;
  let admin: Caller;
  beforeEachFreshApi(dialect, (a, c) => {
    api = a;
    admin = c;
  });

  it("creates, lists, updates and deletes users, reloading identities each time", async () => {
    const before = api.runtime.identityReloads;
    const bob = await admin.users.create({ username: "bob", password: "password1", role: "user", uid: 5000 });
    expect([bob.username, bob.uid, bob.gid, bob.enabled]).toEqual(["bob", 5000, 5000, true]);
    expect(bob.createdAt).toBeInstanceOf(Date);
    expect((await admin.users.list({ search: "BO" })).map((u) => u.username)).toEqual(["bob"]);
    expect((await admin.users.get({ username: "bob" })).role).toBe("user");
    expect((await admin.users.update({ username: "bob", role: "operator" })).role).toBe("operator");
    await admin.users.delete({ username: "bob" });
    expect((await trpcError(admin.users.get({ username: "bob" }))).code).toBe("NOT_FOUND");
    expect(api.runtime.identityReloads).toBe(before + 3);
  });

  it("names the field of a duplicate, a missing field and a wrong type, and writes nothing", async () => {
    await admin.users.create({ username: "bob", password: "password1", role: "user" });
    const dup = await trpcError(
      admin.users.create({ username: "bob", password: "password2", role: "admin" }),
    );
    expect([dup.code, dup.message]).toEqual(["CONFLICT", "username bob already exists"]);
    const missing = await trpcError(admin.users.create({ username: "carol", role: "user" } as never));
    expect(missing.code).toBe("BAD_REQUEST");
    expect(missing.message).toMatch(/^password: /);
    const wrongType = await trpcError(
      admin.users.create({ username: "carol", password: "password1", role: "user", uid: "12" } as never),
    );
    expect([wrongType.code, wrongType.message.split(":")[0]]).toEqual(["BAD_REQUEST", "uid"]);
    const badRole = await trpcError(
      admin.users.create({ username: "carol", password: "password1", role: "root" } as never),
    );
    expect(badRole.message.split(":")[0]).toBe("role");
    const short = await trpcError(admin.users.create({ username: "carol", password: "short", role: "user" }));
    expect(short.message).toBe("password: at least 8 characters");
    expect((await admin.users.list()).map((u) => u.username)).toEqual(["admin", "bob"]);
  });

  it("refuses to delete yourself or the last admin, and to disable the last admin", async () => {
    const self = await trpcError(admin.users.delete({ username: "admin" }));
    expect([self.code, self.message]).toEqual(["BAD_REQUEST", "username: you cannot delete yourself"]);
    const other = await api.withRole("admin", "second");
    await other.users.delete({ username: "admin" });
    const last = await trpcError(other.users.update({ username: "second", enabled: false }));
    expect(last.code).toBe("PRECONDITION_FAILED");
    expect(last.message).toMatch(/last enabled admin/);
  });

  it("manages groups and members with typed errors", async () => {
    await admin.users.create({ username: "bob", password: "password1", role: "user" });
    const staff = await admin.groups.create({ name: "staff", gid: 3000 });
    expect(staff.members).toEqual([]);
    expect((await trpcError(admin.groups.create({ name: "staff" }))).message).toBe(
      "name staff already exists",
    );
    expect((await trpcError(admin.groups.create({ name: "dup-gid", gid: 3000 }))).message).toBe(
      "gid 3000 already exists",
    );
    expect((await admin.groups.addMember({ name: "staff", username: "bob" })).members).toEqual(["bob"]);
    expect((await trpcError(admin.groups.addMember({ name: "staff", username: "ghost" }))).code).toBe(
      "NOT_FOUND",
    );
    expect((await admin.groups.get({ name: "staff" })).gid).toBe(3000);
    expect((await admin.groups.update({ name: "staff", gid: 3001 })).gid).toBe(3001);
    expect((await admin.groups.removeMember({ name: "staff", username: "bob" })).members).toEqual([]);
    await admin.groups.delete({ name: "staff" });
    expect((await admin.groups.list()).map((g) => [g.name, g.builtIn])).toEqual([
      ["admins", true],
      ["operators", true],
      ["users", true],
    ]);
    // The built-in groups stay, whatever an admin clicks.
    for (const name of ["admins", "operators", "users"]) {
      const refused = await trpcError(admin.groups.delete({ name }));
      expect([refused.code, refused.message]).toEqual([
        "PRECONDITION_FAILED",
        `group ${name} is built in (created at first start) and cannot be deleted`,
      ]);
    }
    expect((await admin.groups.list()).length).toBe(3);
  });
});
