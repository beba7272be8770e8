import { beforeEach, expect, it } from "vitest";
import { ControlError } from "../errors.ts";
import { describeOnBothDatabases, storeHarness } from "../testing/control-store.ts";
import type { ControlStore } from "./control-store.ts";

async function controlError(p: Promise<unknown>): Promise<ControlError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ControlError);
  return e as ControlError;
}

describeOnBothDatabases("ControlStore stores, shares, adapters, settings, audit", (dialect) => {
  const h = storeHarness(dialect);
  let store: ControlStore;
  beforeEach(async () => {
    store = await h.fresh();
    await store.createStore("metadata", { name: "meta", type: "sqlite", config: { path: "/tmp/m.db" } });
    await store.createStore("block", {
      name: "blocks",
      type: "fs",
      config: { path: "/tmp/b", nested: { a: [1] } },
    });
  });

  it("keeps store configs as JSON and names the field on a duplicate", async () => {
    expect(await store.getStore("block", "blocks")).toMatchObject({
      type: "fs",
      config: { path: "/tmp/b", nested: { a: [1] } },
    });
    const dup = await controlError(
      store.createStore("metadata", { name: "meta", type: "memory", config: {} }),
    );
    expect([dup.code, dup.field]).toEqual(["CONFLICT", "name"]);
    // Metadata and block stores are separate namespaces.
    await store.createStore("block", { name: "meta", type: "memory", config: {} });
    const updated = await store.updateStore("metadata", "meta", { config: { path: "/x.db" } });
    expect([updated.type, updated.config]).toEqual(["sqlite", { path: "/x.db" }]);
    expect((await store.listStores("block")).map((s) => s.name)).toEqual(["blocks", "meta"]);
  });

  it("creates shares with defaults, refuses unknown stores naming the field, and writes nothing", async () => {
    const share = await store.createShare({ name: "/export", metadataStore: "meta", blockStore: "blocks" });
    expect(share).toMatchObject({
      name: "/export",
      metadataStore: "meta",
      blockStore: "blocks",
      readOnly: false,
      squash: "root_squash",
      anonUid: 65_534,
      anonGid: 65_534,
      nfs: true,
      smb: true,
      guest: false,
      encryptData: false,
    });
    const e = await controlError(
      store.createShare({ name: "/b", metadataStore: "nope", blockStore: "blocks" }),
    );
    expect([e.code, e.field]).toEqual(["NOT_FOUND", "metadataStore"]);
    const e2 = await controlError(
      store.createShare({ name: "/b", metadataStore: "meta", blockStore: "nope" }),
    );
    expect(e2.field).toBe("blockStore");
    expect(
      (
        await controlError(
          store.createShare({ name: "/export", metadataStore: "meta", blockStore: "blocks" }),
        )
      ).field,
    ).toBe("name");
    expect((await store.listShares()).map((s) => s.name)).toEqual(["/export"]);
  });

  it("refuses to delete a store used by a share, with the share in the reason", async () => {
    await store.createShare({ name: "/export", metadataStore: "meta", blockStore: "blocks" });
    const e = await controlError(store.deleteStore("metadata", "meta"));
    expect(e.code).toBe("IN_USE");
    expect(e.message).toContain("used by share /export");
    expect((await controlError(store.deleteStore("block", "blocks"))).message).toContain("/export");
    await store.deleteShare("/export");
    await store.deleteStore("metadata", "meta");
    expect(await store.findStore("metadata", "meta")).toBeNull();
  });

  it("updates share options and store references", async () => {
    await store.createStore("block", { name: "other", type: "memory", config: {} });
    await store.createShare({ name: "/export", metadataStore: "meta", blockStore: "blocks" });
    const s = await store.updateShare("/export", {
      readOnly: true,
      squash: "all_squash",
      blockStore: "other",
      smb: false,
    });
    expect(s).toMatchObject({
      readOnly: true,
      squash: "all_squash",
      blockStore: "other",
      smb: false,
      nfs: true,
    });
    expect((await controlError(store.updateShare("/export", { metadataStore: "nope" }))).field).toBe(
      "metadataStore",
    );
    expect((await controlError(store.updateShare("/none", { readOnly: true }))).code).toBe("NOT_FOUND");
  });

  it("grants share permissions to users and groups, upserting, and drops them with the share", async () => {
    await store.createUser({ username: "alice", password: "password", role: "user" });
    await store.createGroup("staff");
    await store.createShare({ name: "/export", metadataStore: "meta", blockStore: "blocks" });
    await store.setPermission("/export", { user: "alice" }, "read");
    await store.setPermission("/export", { group: "staff" }, "read-write");
    await store.setPermission("/export", { user: "alice" }, "admin");
    expect(await store.listPermissions("/export")).toEqual([
      { share: "/export", user: "alice", group: null, level: "admin" },
      { share: "/export", user: null, group: "staff", level: "read-write" },
    ]);
    expect((await controlError(store.setPermission("/export", { user: "ghost" }, "read"))).field).toBe(
      "username",
    );
    expect((await controlError(store.setPermission("/export", { group: "ghost" }, "read"))).field).toBe(
      "group",
    );
    await store.removePermission("/export", { group: "staff" });
    expect((await controlError(store.removePermission("/export", { group: "staff" }))).code).toBe(
      "NOT_FOUND",
    );
    await store.deleteShare("/export");
    expect(await store.listPermissions()).toEqual([]);
  });

  it("keeps adapters and settings, and they survive a reopen", async () => {
    await store.createAdapter({ type: "nfs", port: 12049 });
    await store.createAdapter({
      type: "smb",
      port: 12445,
      enabled: false,
      settings: { signing: "required" },
    });
    expect((await controlError(store.createAdapter({ type: "nfs", port: 1 }))).field).toBe("type");
    await store.updateAdapter("nfs", { enabled: false, port: 2049 });
    await store.updateSettings({ "session.ttlHours": 12, banner: "hi", debug: true });
    await store.updateSettings({ banner: null });
    store = await h.reopen(store);
    expect((await store.listAdapters()).map((a) => [a.type, a.port, a.enabled, a.settings])).toEqual([
      ["nfs", 2049, false, {}],
      ["smb", 12445, false, { signing: "required" }],
    ]);
    expect(await store.getSettings()).toEqual({ debug: true, "session.ttlHours": 12 });
    await store.deleteAdapter("smb");
    expect((await controlError(store.getAdapter("smb"))).code).toBe("NOT_FOUND");
  });

  it("lists audit rows newest first, filtered and paged by cursor", async () => {
    const t0 = new Date("2026-01-01T00:00:00Z");
    for (let i = 0; i < 5; i++) {
      await store.appendAudit({
        at: new Date(t0.getTime() + i * 1000),
        actor: i % 2 === 0 ? "admin" : "bob",
        action: "users.create",
        target: `u${i}`,
        result: i === 4 ? "error" : "ok",
        detail: i === 4 ? "x".repeat(5000) : null,
      });
    }
    const page1 = await store.listAudit({ limit: 2 });
    expect(page1.items.map((r) => r.target)).toEqual(["u4", "u3"]);
    expect(page1.items[0]?.detail?.length).toBe(2000);
    const page2 = await store.listAudit({ limit: 2, cursor: page1.nextCursor! });
    expect(page2.items.map((r) => r.target)).toEqual(["u2", "u1"]);
    const page3 = await store.listAudit({ limit: 2, cursor: page2.nextCursor! });
    expect([page3.items.map((r) => r.target), page3.nextCursor]).toEqual([["u0"], null]);
    expect((await store.listAudit({ actor: "bob" })).items.map((r) => r.target)).toEqual(["u3", "u1"]);
    const since = await store.listAudit({ since: new Date(t0.getTime() + 3000) });
    expect(since.items.map((r) => r.target)).toEqual(["u4", "u3"]);
    expect(since.items[0]?.at).toEqual(new Date(t0.getTime() + 4000));
  });

  it("prunes the oldest audit rows beyond the configured maximum", async () => {
    const small = await h.fresh({ audit: { rowsMax: 5, pruneEvery: 4 } });
    for (let i = 1; i <= 12; i++)
      await small.appendAudit({ actor: "a", action: "x", target: `t${i}`, result: "ok" });
    const kept = (await small.listAudit({ limit: 100 })).items.map((r) => r.target);
    // Pruned at rows 4, 8 and 12: everything at or below 12 - 5 is gone.
    expect(kept).toEqual(["t12", "t11", "t10", "t9", "t8"]);
  });
});
