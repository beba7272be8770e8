import { expect, it } from "vitest";
import {
  ADMIN_PASSWORD,
  type Api,
  beforeEachFreshApi,
  type Caller,
  PASSWORD,
  trpcError,
} from "../../../testing/api.ts";
import { describeOnBothDatabases } from "../../../testing/control-store.ts";
import { IN_PROCESS_DAEMON } from "../../../testing/in-process-runtime.ts";

describeOnBothDatabases("settings, audit, clients, metrics and health routers", (dialect) => {
  let api: Api;
  let admin: Caller;
  beforeEachFreshApi(dialect, (a, c) => {
    api = a;
    admin = c;
  });

  it("updates settings (null removes a key) and the session TTL setting shortens new sessions", async () => {
    expect(await admin.settings.update({ values: { "session.ttlHours": 1, motd: "hello" } })).toEqual({
      motd: "hello",
      "session.ttlHours": 1,
    });
    expect(await admin.settings.update({ values: { motd: null } })).toEqual({ "session.ttlHours": 1 });
    const badKey = await trpcError(admin.settings.update({ values: { "": 1 } }));
    expect(badKey.code).toBe("BAD_REQUEST");
    const { expiresAt } = await (await api.anonymous()).auth.login({
      username: "admin",
      password: ADMIN_PASSWORD,
    });
    const hours = (expiresAt.getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(0.9);
    expect(hours).toBeLessThanOrEqual(1);
  });

  it("audits every mutation, refused ones included, and pages the log", async () => {
    const user = await api.withRole("user", "plain");
    await trpcError(user.users.create({ username: "x", password: "password1", role: "admin" }));
    await admin.groups.create({ name: "g1" });
    await trpcError(admin.groups.create({ name: "g1" }));
    await admin.users.list();
    const log = await admin.audit.list({ limit: 3 });
    expect(log.items.map((r) => [r.actor, r.action, r.target, r.result])).toEqual([
      ["admin", "groups.create", "g1", "error"],
      ["admin", "groups.create", "g1", "ok"],
      ["plain", "users.create", "x", "error"],
    ]);
    expect(log.items[0]?.detail).toBe("CONFLICT: name g1 already exists");
    expect(log.items[2]?.detail).toMatch(/^FORBIDDEN/);
    expect(JSON.stringify(log)).not.toContain("password1");
    const next = await admin.audit.list({ limit: 100, cursor: log.nextCursor! });
    expect(next.items.every((r) => r.id < log.items[2]!.id)).toBe(true);
    // Queries are not audited.
    expect((await admin.audit.list({ action: "users.list" })).items).toEqual([]);
    expect((await admin.audit.list({ actor: "plain", action: "users.create" })).items.length).toBe(1);
  });

  it("records the address each audited change came from", async () => {
    await api.store.createUser({ username: "far", password: PASSWORD, role: "admin" });
    const remote = await api.as("far", PASSWORD, "127.0.0.9");
    await remote.groups.create({ name: "from-far" });
    const [row] = (await admin.audit.list({ action: "groups.create" })).items;
    expect([row?.target, row?.address]).toEqual(["from-far", "127.0.0.9"]);
  });

  it("lists connected clients from the Runtime", async () => {
    api.runtime.clients.push({
      id: "c1",
      protocol: "nfs",
      address: "127.0.0.1:900",
      share: "/export",
      user: null,
      since: new Date(0),
      lastActive: new Date(0),
      disconnectable: false,
      traffic: { readBytes: 0, writtenBytes: 0, reads: 0, writes: 0 },
    });
    // Each with the daemon it is connected to (this one).
    expect(await admin.clients.list()).toEqual([
      { ...api.runtime.clients[0], daemon: IN_PROCESS_DAEMON.name },
    ]);
  });

  it("an admin disconnects an SMB client (audited); an NFS mount or a gone client is refused", async () => {
    const base = {
      address: "127.0.0.1:1",
      share: "/export",
      user: null,
      since: new Date(0),
      lastActive: new Date(0),
      traffic: { readBytes: 0, writtenBytes: 0, reads: 0, writes: 0 },
    };
    api.runtime.clients.push({ ...base, id: "s1", protocol: "smb", disconnectable: true });
    api.runtime.clients.push({ ...base, id: "n1", protocol: "nfs", disconnectable: false });
    expect(await admin.clients.disconnect({ id: "s1" })).toEqual({ ok: true });
    expect((await admin.clients.list()).map((c) => c.id)).toEqual(["n1"]);
    const nfs = await trpcError(admin.clients.disconnect({ id: "n1" }));
    expect([nfs.code, nfs.message]).toEqual(["BAD_REQUEST", "an NFS client has no session to disconnect"]);
    expect((await trpcError(admin.clients.disconnect({ id: "s1" }))).code).toBe("NOT_FOUND");
    const rows = (await api.store.listAudit({ action: "clients.disconnect" })).items;
    expect(rows.map((r) => [r.target, r.result])).toEqual([
      ["id:s1", "error"],
      ["id:n1", "error"],
      ["id:s1", "ok"],
    ]);
  });

  it("serves a metrics snapshot and a live stream of them until the subscriber leaves", async () => {
    const snap = await admin.metrics.snapshot();
    expect(snap.timestamp).toBeInstanceOf(Date);
    expect(snap.adapters.map((a) => a.type)).toEqual(["nfs", "smb"]);
    const stream = await admin.metrics.live();
    const seen: Date[] = [];
    for await (const s of stream) {
      seen.push(s.timestamp);
      if (seen.length === 2) break;
    }
    expect(seen[1]!.getTime()).toBeGreaterThan(seen[0]!.getTime());
  });

  it("answers health.ping for anyone", async () => {
    const pong = await (await api.anonymous()).health.ping();
    expect(pong.ok).toBe(true);
    expect(pong.version).toBe("0.0.0-test");
    expect(pong.startedAt).toBeInstanceOf(Date);
  });
});
