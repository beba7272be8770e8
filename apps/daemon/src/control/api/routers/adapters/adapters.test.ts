import { expect, it } from "vitest";
import { type Api, beforeEachFreshApi, type Caller, trpcError } from "../../../testing/api.ts";
import { describeOnBothDatabases } from "../../../testing/control-store.ts";
import { InProcessRuntime } from "../../../testing/in-process-runtime.ts";

describeOnBothDatabases("adapters router", (dialect) => {
  let api: Api;
  let admin: Caller;
  beforeEachFreshApi(dialect, (a, c) => {
    api = a;
    admin = c;
  });

  it("lists the bootstrap adapters with their live status", async () => {
    const list = await admin.adapters.list();
    expect(list.map((a) => [a.type, a.port, a.enabled, a.status.running])).toEqual([
      ["nfs", 12049, true, true],
      ["smb", 12445, true, true],
    ]);
    expect((await admin.adapters.get({ type: "smb" })).status.port).toBe(12445);
  });

  it("an operator stops and starts an adapter; the state survives a restart", async () => {
    const op = await api.withRole("operator");
    const stopped = await op.adapters.stop({ type: "nfs" });
    expect([stopped.running, stopped.since]).toEqual([false, null]);
    expect((await op.adapters.status({ type: "nfs" })).running).toBe(false);
    // A restart: a new Runtime loads the live state from the same store.
    const restarted = await new InProcessRuntime(api.store).load();
    expect(restarted.adapterStatus("nfs").running).toBe(false);
    expect(restarted.adapterStatus("smb").running).toBe(true);
    const started = await op.adapters.start({ type: "nfs" });
    expect(started.running).toBe(true);
    expect((await new InProcessRuntime(api.store).load()).adapterStatus("nfs").running).toBe(true);
    const rows = (await api.store.listAudit({ actor: "operator-user" })).items;
    expect(rows.map((r) => [r.action, r.target, r.result]).filter(([a]) => a !== "auth.login")).toEqual([
      ["adapters.start", "nfs", "ok"],
      ["adapters.stop", "nfs", "ok"],
    ]);
  });

  it("creates, updates and deletes adapters with typed errors", async () => {
    const created = await admin.adapters.create({ type: "test", port: 0, settings: { greeting: "hi" } });
    expect([created.status.running, created.settings]).toEqual([true, { greeting: "hi" }]);
    const dup = await trpcError(admin.adapters.create({ type: "nfs", port: 1 }));
    expect([dup.code, dup.message]).toEqual(["CONFLICT", "type nfs already exists"]);
    const badPort = await trpcError(admin.adapters.create({ type: "x", port: 70000 }));
    expect(badPort.message.split(":")[0]).toBe("port");
    expect((await admin.adapters.update({ type: "test", port: 7000 })).status.port).toBe(7000);
    await admin.adapters.delete({ type: "test" });
    expect(api.runtime.adapters.has("test")).toBe(false);
    expect((await trpcError(admin.adapters.status({ type: "test" }))).code).toBe("NOT_FOUND");
  });
});
