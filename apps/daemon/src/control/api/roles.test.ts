/**
 * Every procedure against every role: anonymous, user, operator, admin. The table must list
 * every procedure of the router, so a new procedure cannot ship without its role boundary.
 */
import { beforeAll, expect, it } from "vitest";
import { ADMIN_PASSWORD, type Api, apiHarness, type Caller } from "../testing/api.ts";
import { describeOnBothDatabases } from "../testing/control-store.ts";
import { appRouter } from "./routers/_app.ts";

type Access = "public" | "session" | "read" | "operate" | "admin";
type Who = "anonymous" | "user" | "operator" | "admin";

/** Who may call each class of procedure. */
const ALLOWED: Record<Access, Who[]> = {
  public: ["anonymous", "user", "operator", "admin"],
  session: ["user", "operator", "admin"],
  read: ["operator", "admin"],
  operate: ["operator", "admin"],
  admin: ["admin"],
};

/** `run`: also execute it for allowed callers (harmless input, or it fails for a reason other than access). */
const PROCEDURES: Record<string, { access: Access; input?: unknown; run: boolean }> = {
  "auth.login": { access: "public", input: { username: "admin", password: ADMIN_PASSWORD }, run: true },
  "auth.logout": { access: "session", run: false },
  "auth.me": { access: "session", run: true },
  "auth.changePassword": {
    access: "session",
    input: { currentPassword: "wrong-one", newPassword: "whatever1" },
    run: true,
  },
  "users.list": { access: "read", run: true },
  "users.get": { access: "read", input: { username: "admin" }, run: true },
  "users.create": {
    access: "admin",
    input: { username: "new", password: "password1", role: "user" },
    run: false,
  },
  "users.update": { access: "admin", input: { username: "admin", enabled: true }, run: false },
  "users.resetPassword": { access: "admin", input: { username: "admin", password: "password1" }, run: false },
  "users.delete": { access: "admin", input: { username: "admin" }, run: false },
  "groups.list": { access: "read", run: true },
  "groups.get": { access: "read", input: { name: "admins" }, run: true },
  "groups.create": { access: "admin", input: { name: "g" }, run: false },
  "groups.update": { access: "admin", input: { name: "admins", gid: 5 }, run: false },
  "groups.delete": { access: "admin", input: { name: "admins" }, run: false },
  "groups.addMember": { access: "admin", input: { name: "admins", username: "admin" }, run: false },
  "groups.removeMember": { access: "admin", input: { name: "admins", username: "admin" }, run: false },
  "shares.list": { access: "read", run: true },
  "shares.get": { access: "read", input: { name: "/export" }, run: true },
  "shares.create": {
    access: "admin",
    input: { name: "/x", metadataStore: "default", blockStore: "default" },
    run: false,
  },
  "shares.update": { access: "admin", input: { name: "/export", readOnly: true }, run: false },
  "shares.delete": { access: "admin", input: { name: "/export" }, run: false },
  "shares.usage": { access: "read", run: true },
  "shares.migrate": { access: "admin", input: { name: "/export", blockStore: "default" }, run: true },
  "shares.migrations": { access: "read", run: true },
  "shares.migrationCancel": { access: "admin", input: { name: "/export" }, run: true },
  "shares.migrationConfirm": { access: "admin", input: { name: "/export" }, run: true },
  "shares.permissions.list": { access: "read", input: { name: "/export" }, run: true },
  "shares.permissions.set": {
    access: "admin",
    input: { name: "/export", user: "admin", level: "read" },
    run: false,
  },
  "shares.permissions.remove": { access: "admin", input: { name: "/export", user: "admin" }, run: false },
  "stores.metadata.list": { access: "read", run: true },
  "stores.metadata.get": { access: "read", input: { name: "default" }, run: true },
  "stores.metadata.create": { access: "admin", input: { name: "m", type: "memory", config: {} }, run: false },
  "stores.metadata.update": {
    access: "admin",
    input: { name: "default", config: { path: "/x" } },
    run: false,
  },
  "stores.metadata.delete": { access: "admin", input: { name: "default" }, run: false },
  "stores.metadata.health": { access: "read", input: { name: "default" }, run: true },
  "stores.block.list": { access: "read", run: true },
  "stores.block.get": { access: "read", input: { name: "default" }, run: true },
  "stores.block.create": { access: "admin", input: { name: "b", type: "memory", config: {} }, run: false },
  "stores.block.update": { access: "admin", input: { name: "default", config: { path: "/x" } }, run: false },
  "stores.block.delete": { access: "admin", input: { name: "default" }, run: false },
  "stores.block.health": { access: "read", input: { name: "default" }, run: true },
  "stores.block.testConnection": { access: "admin", input: { type: "memory", config: {} }, run: true },
  "adapters.list": { access: "read", run: true },
  "adapters.get": { access: "read", input: { type: "nfs" }, run: true },
  "adapters.create": { access: "admin", input: { type: "test", port: 0 }, run: false },
  "adapters.update": { access: "admin", input: { type: "nfs", port: 1 }, run: false },
  "adapters.start": { access: "operate", input: { type: "nfs" }, run: true },
  "adapters.stop": { access: "operate", input: { type: "smb" }, run: true },
  "adapters.delete": { access: "admin", input: { type: "nfs" }, run: false },
  "adapters.status": { access: "read", input: { type: "nfs" }, run: true },
  "clients.list": { access: "read", run: true },
  "clients.disconnect": { access: "admin", input: { id: "none" }, run: true },
  "settings.get": { access: "read", run: true },
  "settings.update": { access: "admin", input: { values: { a: 1 } }, run: true },
  "audit.list": { access: "read", run: true },
  "metrics.snapshot": { access: "read", run: true },
  "metrics.live": { access: "read", run: true },
  "metrics.history": { access: "read", input: { rangeSeconds: 300 }, run: true },
  "health.ping": { access: "public", run: true },
  "system.info": { access: "session", run: true },
};

async function call(caller: Caller, path: string, input: unknown): Promise<unknown> {
  let fn: unknown = caller;
  for (const part of path.split(".")) fn = (fn as Record<string, unknown>)[part];
  const result = await (fn as (i: unknown) => Promise<unknown>)(input);
  const iterator = result as AsyncIterator<unknown> | undefined;
  // A subscription hands back an async iterator: take one value, then end it.
  if (
    iterator !== undefined &&
    iterator !== null &&
    typeof iterator.next === "function" &&
    path === "metrics.live"
  ) {
    const first = await iterator.next();
    await iterator.return?.();
    return first.value;
  }
  return result;
}

async function outcome(caller: Caller, path: string, input: unknown): Promise<string> {
  try {
    await call(caller, path, input);
    return "ok";
  } catch (e) {
    return (e as { code?: string }).code ?? "thrown";
  }
}

describeOnBothDatabases("role boundaries", (dialect) => {
  const fresh = apiHarness(dialect);
  let api: Api;
  const callers = {} as Record<Who, Caller>;
  beforeAll(async () => {
    api = await fresh();
    callers.anonymous = await api.anonymous();
    callers.user = await api.withRole("user");
    callers.operator = await api.withRole("operator");
    callers.admin = await api.as("admin", ADMIN_PASSWORD);
  });

  it("lists every procedure of the router", () => {
    expect(Object.keys(PROCEDURES).sort()).toEqual(Object.keys(appRouter._def.procedures).sort());
  });

  for (const [path, spec] of Object.entries(PROCEDURES)) {
    it(`${path} is ${spec.access}`, async () => {
      for (const who of ["anonymous", "user", "operator", "admin"] as const) {
        const allowed = ALLOWED[spec.access].includes(who);
        if (allowed && !spec.run) continue;
        const got = await outcome(callers[who], path, spec.input);
        const refusal = who === "anonymous" ? "UNAUTHORIZED" : "FORBIDDEN";
        if (allowed) expect([who, got]).not.toEqual([who, refusal]);
        else expect([who, got]).toEqual([who, refusal]);
      }
    });
  }

  it("refuses a forged, logged-out or disabled user's token", async () => {
    expect(await outcome(await api.withToken("forged"), "auth.me", undefined)).toBe("UNAUTHORIZED");
    const temp = await api.withRole("user", "leaving");
    expect(await outcome(temp, "auth.me", undefined)).toBe("ok");
    await temp.auth.logout();
    expect(await outcome(temp, "auth.me", undefined)).toBe("UNAUTHORIZED");
    const disabled = await api.withRole("operator", "disabled-op");
    await callers.admin.users.update({ username: "disabled-op", enabled: false });
    expect(await outcome(disabled, "users.list", undefined)).toBe("UNAUTHORIZED");
  });
});
