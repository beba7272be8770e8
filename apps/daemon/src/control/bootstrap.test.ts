import { join } from "node:path";
import { beforeEach, expect, it } from "vitest";
import { applyDeclaredConfig, bootstrapControlPlane } from "./bootstrap.ts";
import type { ControlStore } from "./store/control-store.ts";
import { describeOnBothDatabases, storeHarness } from "./testing/control-store.ts";

describeOnBothDatabases("first-start bootstrap and declared config", (dialect) => {
  const h = storeHarness(dialect);
  let store: ControlStore;
  beforeEach(async () => {
    store = await h.fresh();
  });

  it("seeds admin, groups, adapters, default stores and /export once", async () => {
    const r = await bootstrapControlPlane(store, { adminPassword: "from-env-pw", dataDir: "/srv/dfs" });
    expect(r).toEqual({
      created: true,
      adminUsername: "admin",
      adminPassword: "from-env-pw",
      generated: false,
    });
    const admin = await store.authenticate("admin", "from-env-pw");
    expect([admin?.role, admin?.groups, admin?.mustChangePassword]).toEqual(["admin", ["admins"], false]);
    expect((await store.listGroups()).map((g) => g.name)).toEqual(["admins", "operators", "users"]);
    expect((await store.listAdapters()).map((a) => [a.type, a.port, a.enabled])).toEqual([
      ["nfs", 12049, true],
      ["smb", 12445, true],
    ]);
    expect(await store.getStore("metadata", "default")).toMatchObject({
      type: "sqlite",
      config: { path: join("/srv/dfs", "metadata", "default.db") },
    });
    expect(await store.getStore("block", "default")).toMatchObject({
      type: "fs",
      config: { path: join("/srv/dfs", "blocks", "default") },
    });
    expect(await store.getShare("/export")).toMatchObject({
      metadataStore: "default",
      blockStore: "default",
      squash: "root_squash",
      anonUid: 65_534,
      anonGid: 65_534,
      nfs: true,
      smb: true,
    });
    expect(await store.listPermissions("/export")).toEqual([
      { share: "/export", user: "admin", group: null, level: "read-write" },
    ]);
    const again = await bootstrapControlPlane(store, { adminPassword: "other-pw-1", dataDir: "/elsewhere" });
    expect(again).toEqual({ created: false, adminUsername: "admin", adminPassword: null, generated: false });
    expect(await store.authenticate("admin", "other-pw-1")).toBeNull();
    expect((await store.getStore("block", "default")).config).toEqual({
      path: join("/srv/dfs", "blocks", "default"),
    });
  });

  it("generates a strong password when none is given, and the admin can log in with it", async () => {
    const r = await bootstrapControlPlane(store, { dataDir: "data" });
    expect(r.generated).toBe(true);
    expect(r.adminPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(await store.authenticate("admin", r.adminPassword!)).not.toBeNull();
    // Relative data dirs are stored absolute: the daemon may later run from elsewhere.
    expect(String((await store.getStore("metadata", "default")).config.path)).toMatch(/^\//);
  });

  it("applies declared stores and shares idempotently, updating what changed", async () => {
    await bootstrapControlPlane(store, { adminPassword: "pw-123456", dataDir: "/d" });
    const declared = {
      metadataStores: [{ name: "fast", type: "memory", config: {} }],
      blockStores: [{ name: "bulk", type: "fs", config: { path: "/d/bulk" } }],
      shares: [{ name: "/data", metadataStore: "fast", blockStore: "bulk", readOnly: true }],
    };
    expect(await applyDeclaredConfig(store, declared)).toEqual({
      created: ["metadata store fast", "block store bulk", "share /data"],
      updated: [],
    });
    expect(await applyDeclaredConfig(store, declared)).toEqual({ created: [], updated: [] });
    declared.blockStores[0]!.config = { path: "/d/bulk2" };
    declared.shares[0]!.readOnly = false;
    expect(await applyDeclaredConfig(store, declared)).toEqual({
      created: [],
      updated: ["block store bulk", "share /data"],
    });
    expect((await store.getShare("/data")).readOnly).toBe(false);
    const bad = { shares: [{ name: "/x", metadataStore: "fast", blockStore: "missing" }] };
    await expect(applyDeclaredConfig(store, { ...declared, ...bad })).rejects.toThrow(/block store missing/);
    expect(await store.findShare("/x")).toBeNull();
  });
});
