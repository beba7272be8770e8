import { expect, it } from "vitest";
import { type Api, beforeEachFreshApi, type Caller, trpcError } from "../../../testing/api.ts";
import { describeOnBothDatabases } from "../../../testing/control-store.ts";

describeOnBothDatabases("shares router", (dialect) => {
  let api: Api;
  let admin: Caller;
  beforeEachFreshApi(dialect, (a, c) => {
    api = a;
    admin = c;
  });

  it("creates, updates and deletes shares through the Runtime (live state and store)", async () => {
    const s = await admin.shares.create({
      name: "/data",
      metadataStore: "default",
      blockStore: "default",
      squash: "all_squash",
      guest: true,
    });
    expect(s).toMatchObject({
      name: "/data",
      squash: "all_squash",
      guest: true,
      anonUid: 65_534,
      readOnly: false,
    });
    expect(api.runtime.shares.get("/data")?.squash).toBe("all_squash");
    expect(s.encryptData).toBe(false);
    await admin.shares.update({ name: "/data", encryptData: true });
    expect(api.runtime.shares.get("/data")?.encryptData).toBe(true);
    expect((await admin.shares.get({ name: "/data" })).encryptData).toBe(true);
    await admin.shares.update({ name: "/data", readOnly: true });
    expect(api.runtime.shares.get("/data")?.readOnly).toBe(true);
    expect((await admin.shares.get({ name: "/data" })).readOnly).toBe(true);
    api.runtime.usage.set("/data", { files: 2, bytes: 10 });
    expect(await admin.shares.usage()).toContainEqual({ name: "/data", files: 2, bytes: 10 });
    await admin.shares.delete({ name: "/data" });
    expect(api.runtime.shares.has("/data")).toBe(false);
    expect((await admin.shares.list()).map((x) => x.name)).toEqual(["/export"]);
  });

  it("rejects bad shares naming the field, writing nothing anywhere", async () => {
    const badName = await trpcError(
      admin.shares.create({ name: "data", metadataStore: "default", blockStore: "default" }),
    );
    expect([badName.code, badName.message]).toEqual(["BAD_REQUEST", "name: an absolute path like /export"]);
    const noStore = await trpcError(
      admin.shares.create({ name: "/data", metadataStore: "default", blockStore: "nope" }),
    );
    expect([noStore.code, noStore.message]).toEqual(["NOT_FOUND", "block store nope not found"]);
    const dup = await trpcError(
      admin.shares.create({ name: "/export", metadataStore: "default", blockStore: "default" }),
    );
    expect([dup.code, dup.message]).toEqual(["CONFLICT", "name /export already exists"]);
    const badSquash = await trpcError(admin.shares.update({ name: "/export", squash: "some" } as never));
    expect(badSquash.message.split(":")[0]).toBe("squash");
    const badEncrypt = await trpcError(admin.shares.update({ name: "/export", encryptData: "yes" } as never));
    expect([badEncrypt.code, badEncrypt.message.split(":")[0]]).toEqual(["BAD_REQUEST", "encryptData"]);
    expect([...api.runtime.shares.keys()]).toEqual(["/export"]);
    expect((await api.store.listShares()).map((x) => x.name)).toEqual(["/export"]);
  });

  it("grants, lists and removes permissions for users and groups", async () => {
    await admin.users.create({ username: "bob", password: "password1", role: "user" });
    const reloads = api.runtime.identityReloads;
    await admin.shares.permissions.set({ name: "/export", user: "bob", level: "read" });
    const list = await admin.shares.permissions.set({ name: "/export", group: "users", level: "read-write" });
    expect(list).toEqual([
      { share: "/export", user: "admin", group: null, level: "read-write" },
      { share: "/export", user: "bob", group: null, level: "read" },
      { share: "/export", user: null, group: "users", level: "read-write" },
    ]);
    const both = await trpcError(
      admin.shares.permissions.set({ name: "/export", user: "bob", group: "users", level: "read" }),
    );
    expect([both.code, both.message]).toEqual(["BAD_REQUEST", "user: give either user or group"]);
    await admin.shares.permissions.remove({ name: "/export", user: "bob" });
    expect((await admin.shares.permissions.list({ name: "/export" })).length).toBe(2);
    expect(api.runtime.identityReloads).toBe(reloads + 3);
    const missing = await trpcError(admin.shares.permissions.remove({ name: "/export", user: "bob" }));
    expect(missing.code).toBe("NOT_FOUND");
  });
});
