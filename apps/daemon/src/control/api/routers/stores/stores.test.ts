import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { type Api, beforeEachFreshApi, type Caller, trpcError } from "../../../testing/api.ts";
import { describeOnBothDatabases } from "../../../testing/control-store.ts";

const scratch = mkdtempSync(join(tmpdir(), "dittofs-stores-api-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describeOnBothDatabases("stores router", (dialect) => {
  let api: Api;
  let admin: Caller;
  beforeEachFreshApi(dialect, (a, c) => {
    api = a;
    admin = c;
  });

  it("creates, updates and deletes metadata and block stores through the Runtime", async () => {
    const m = await admin.stores.metadata.create({ name: "mem", type: "memory", config: {} });
    const b = await admin.stores.block.create({
      name: "cold",
      type: "fs",
      config: { path: join(scratch, "cold") },
    });
    expect([m.type, b.config]).toEqual(["memory", { path: join(scratch, "cold") }]);
    expect(api.runtime.stores.metadata.has("mem")).toBe(true);
    expect(api.runtime.stores.block.get("cold")?.type).toBe("fs");
    await admin.stores.block.update({ name: "cold", config: { path: join(scratch, "colder") } });
    expect(api.runtime.stores.block.get("cold")?.config).toEqual({ path: join(scratch, "colder") });
    expect((await admin.stores.metadata.list()).map((s) => s.name)).toEqual(["default", "mem"]);
    expect(await admin.stores.metadata.health({ name: "mem" })).toEqual({ ok: true, latencyMs: 0 });
    await admin.stores.metadata.delete({ name: "mem" });
    await admin.stores.block.delete({ name: "cold" });
    expect(api.runtime.stores.metadata.has("mem")).toBe(false);
    expect((await trpcError(admin.stores.block.get({ name: "cold" }))).code).toBe("NOT_FOUND");
  });

  it("never returns secrets (S3 key, database URL password), shows them as set, keeps them on update", async () => {
    const s3 = {
      bucket: "bkt",
      endpoint: "http://127.0.0.1:1",
      accessKeyId: "AKID",
      secretAccessKey: "TOPSECRET",
    };
    const created = await admin.stores.block.create({ name: "s3", type: "s3", config: s3 });
    const url = "postgres://ditto:PGSECRET@127.0.0.1:5432/meta";
    const pg = await admin.stores.metadata.create({ name: "pg", type: "postgres", config: { url } });
    const operator = await api.withRole("operator");
    const seen = [
      created,
      pg,
      await operator.stores.block.list(),
      await operator.stores.block.get({ name: "s3" }),
      await operator.stores.metadata.list(),
      await operator.stores.metadata.get({ name: "pg" }),
    ];
    for (const answer of seen) expect(JSON.stringify(answer)).not.toMatch(/TOPSECRET|PGSECRET/);
    expect(created.secrets).toEqual({ secretAccessKey: "set" });
    expect(pg.secrets).toEqual({ "url.password": "set" });
    expect(pg.config).toEqual({ url: "postgres://ditto@127.0.0.1:5432/meta" });
    // An update that leaves the secrets out keeps them.
    await admin.stores.block.update({
      name: "s3",
      config: { ...s3, secretAccessKey: undefined, bucket: "bkt2" },
    });
    expect(api.runtime.stores.block.get("s3")?.config).toMatchObject({
      bucket: "bkt2",
      secretAccessKey: "TOPSECRET",
    });
    await admin.stores.metadata.update({
      name: "pg",
      config: { url: "postgres://ditto@127.0.0.1:5432/meta" },
    });
    expect(api.runtime.stores.metadata.get("pg")?.config).toEqual({ url });
  });

  it("checks config against the store type, naming config.<key>", async () => {
    const noPath = await trpcError(admin.stores.block.create({ name: "x", type: "fs", config: {} }));
    expect([noPath.code, noPath.message.split(":")[0]]).toEqual(["BAD_REQUEST", "config.path"]);
    const badUrl = await trpcError(
      admin.stores.metadata.create({ name: "x", type: "postgres", config: { url: "mysql://h/db" } }),
    );
    expect(badUrl.message).toBe("config.url: a postgres:// URL");
    const badType = await trpcError(
      admin.stores.block.create({ name: "x", type: "tape", config: {} } as never),
    );
    expect(badType.message.split(":")[0]).toBe("type");
    const dup = await trpcError(
      admin.stores.metadata.create({ name: "default", type: "memory", config: {} }),
    );
    expect([dup.code, dup.message]).toEqual(["CONFLICT", "name default already exists"]);
    expect((await api.store.listStores("block")).map((s) => s.name)).toEqual(["default"]);
  });

  it("refuses to delete a store a share uses (PRECONDITION_FAILED naming the share)", async () => {
    const e = await trpcError(admin.stores.metadata.delete({ name: "default" }));
    expect([e.code, e.message]).toEqual([
      "PRECONDITION_FAILED",
      "metadata store default is used by share /export",
    ]);
    expect(api.runtime.stores.metadata.has("default")).toBe(true);
    expect((await trpcError(admin.stores.block.delete({ name: "default" }))).code).toBe(
      "PRECONDITION_FAILED",
    );
  });

  it("tests a block store connection before saving it", async () => {
    const ok = await admin.stores.block.testConnection({
      type: "fs",
      config: { path: join(scratch, "probe") },
    });
    expect(ok.ok).toBe(true);
    // A path below a regular file cannot be a directory.
    writeFileSync(join(scratch, "plain-file"), "x");
    const bad = await admin.stores.block.testConnection({
      type: "fs",
      config: { path: join(scratch, "plain-file", "d") },
    });
    expect(bad.ok).toBe(false);
    expect(bad.detail).toMatch(/ENOTDIR|EEXIST/);
    const audit = await api.store.listAudit({ action: "stores.block.testConnection" });
    expect(audit.items.length).toBe(2);
  });
});
