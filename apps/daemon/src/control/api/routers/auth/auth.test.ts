import { beforeEach, expect, it } from "vitest";
import { backoffMs, LOGON_PAIR_FREE } from "../../../../runtime/logon-limiter.ts";
import { ADMIN_PASSWORD, type Api, apiHarness, PASSWORD, trpcError } from "../../../testing/api.ts";
import { describeOnBothDatabases } from "../../../testing/control-store.ts";

describeOnBothDatabases("auth router", (dialect) => {
  let clock = 0;
  const fresh = apiHarness(dialect, () => clock);
  let api: Api;
  beforeEach(async () => {
    clock = 1_000_000;
    api = await fresh();
  });

  it("logs in with a token whose hash alone is stored, and me() answers with the profile", async () => {
    const anon = await api.anonymous();
    const r = await anon.auth.login({ username: "admin", password: ADMIN_PASSWORD });
    expect(r.user.username).toBe("admin");
    expect(r.mustChangePassword).toBe(false);
    expect(r.expiresAt.getTime()).toBeGreaterThan(Date.now());
    const me = await (await api.withToken(r.token)).auth.me();
    expect([me.username, me.role, me.groups]).toEqual(["admin", "admin", ["admins"]]);
    expect(JSON.stringify(me)).not.toMatch(/scrypt|hash/i);
  });

  it("refuses a wrong password, an unknown user and a disabled user", async () => {
    const anon = await api.anonymous();
    expect((await trpcError(anon.auth.login({ username: "admin", password: "nope" }))).code).toBe(
      "UNAUTHORIZED",
    );
    expect((await trpcError(anon.auth.login({ username: "ghost", password: "nope" }))).code).toBe(
      "UNAUTHORIZED",
    );
    await api.store.createUser({ username: "off", password: PASSWORD, role: "user", enabled: false });
    const e = await trpcError(anon.auth.login({ username: "off", password: PASSWORD }));
    expect([e.code, e.message]).toEqual(["UNAUTHORIZED", "account disabled"]);
  });

  it(`throttles after ${LOGON_PAIR_FREE} failures per username and address, backing off`, async () => {
    const anon = await api.anonymous("10.0.0.1");
    for (let i = 0; i < LOGON_PAIR_FREE; i++) {
      expect((await trpcError(anon.auth.login({ username: "admin", password: `bad${i}` }))).code).toBe(
        "UNAUTHORIZED",
      );
    }
    // Even the right password is refused now, from this address.
    const limited = await trpcError(anon.auth.login({ username: "admin", password: ADMIN_PASSWORD }));
    expect(limited.code).toBe("TOO_MANY_REQUESTS");
    // Another address, or another user from this address, is not affected.
    await (await api.anonymous("10.0.0.2")).auth.login({ username: "admin", password: ADMIN_PASSWORD });
    await api.store.createUser({ username: "other", password: PASSWORD, role: "user" });
    await anon.auth.login({ username: "other", password: PASSWORD });
    clock += backoffMs(0);
    await anon.auth.login({ username: "admin", password: ADMIN_PASSWORD });
  });

  it("the backoff doubles with each failure past the free ones", async () => {
    const anon = await api.anonymous("10.0.0.1");
    for (let i = 0; i < LOGON_PAIR_FREE; i++)
      await trpcError(anon.auth.login({ username: "admin", password: "x" }));
    for (let n = 0; n < 3; n++) {
      clock += backoffMs(n) - 1;
      expect((await trpcError(anon.auth.login({ username: "admin", password: "x" }))).code).toBe(
        "TOO_MANY_REQUESTS",
      );
      clock += 1;
      expect((await trpcError(anon.auth.login({ username: "admin", password: "x" }))).code).toBe(
        "UNAUTHORIZED",
      );
    }
  });

  it("changing one's own password ends one's other sessions, not the one used", async () => {
    await api.store.createUser({ username: "u2", password: PASSWORD, role: "user" });
    const laptop = await api.as("u2");
    const phone = await api.as("u2");
    await phone.auth.changePassword({ currentPassword: PASSWORD, newPassword: "brand-new-2" });
    expect((await trpcError(laptop.auth.me())).code).toBe("UNAUTHORIZED");
    expect((await phone.auth.me()).username).toBe("u2");
  });

  it("failed logins are audited aggregated, not one row per attempt", async () => {
    const anon = await api.anonymous("10.0.0.9");
    for (let i = 0; i < 200; i++) {
      await trpcError(anon.auth.login({ username: "admin", password: `bad${i}` }));
      clock += 500;
    }
    const rows = (await api.store.listAudit({ action: "auth.login" })).items;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThanOrEqual(8);
    expect(rows.some((r) => /more like this/.test(r.detail ?? ""))).toBe(true);
  });

  it("a successful login resets the failure count", async () => {
    const anon = await api.anonymous();
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < LOGON_PAIR_FREE - 1; i++) {
        await trpcError(anon.auth.login({ username: "admin", password: "bad-password" }));
      }
      await anon.auth.login({ username: "admin", password: ADMIN_PASSWORD });
    }
  });

  it("forces a pending password change before anything but auth.*", async () => {
    await api.store.createUser({
      username: "op",
      password: PASSWORD,
      role: "operator",
      mustChangePassword: true,
    });
    const login = await (await api.anonymous()).auth.login({ username: "op", password: PASSWORD });
    expect(login.mustChangePassword).toBe(true);
    const op = await api.withToken(login.token);
    const blocked = await trpcError(op.shares.list());
    expect([blocked.code, blocked.message]).toEqual([
      "FORBIDDEN",
      "change your password first (auth.changePassword)",
    ]);
    expect((await op.auth.me()).mustChangePassword).toBe(true);
    const wrong = await trpcError(
      op.auth.changePassword({ currentPassword: "not-it", newPassword: "brand-new-1" }),
    );
    expect([wrong.code, wrong.message]).toEqual(["BAD_REQUEST", "currentPassword: does not match"]);
    const same = await trpcError(
      op.auth.changePassword({ currentPassword: PASSWORD, newPassword: PASSWORD }),
    );
    expect(same.message).toMatch(/^newPassword/);
    const reloads = api.runtime.identityReloads;
    const after = await op.auth.changePassword({ currentPassword: PASSWORD, newPassword: "brand-new-1" });
    expect(after.mustChangePassword).toBe(false);
    expect(api.runtime.identityReloads).toBe(reloads + 1);
    expect((await op.shares.list()).map((s) => s.name)).toEqual(["/export"]);
    // The NT hash changed with the password (SMB logins use the new one).
    const nt = (await api.store.getCredentials("op"))?.ntHash?.toString("hex");
    const { ntHash } = await import("../../../store/passwords.ts");
    expect(nt).toBe((await ntHash("brand-new-1")).toString("hex"));
    await api.as("op", "brand-new-1");
  });

  it("an admin reset ends the user's sessions and makes them choose a new password", async () => {
    const user = await api.withRole("user", "u1");
    const admin = await api.as("admin", ADMIN_PASSWORD);
    const reset = await admin.users.resetPassword({ username: "u1", password: "temporary1" });
    expect(reset.mustChangePassword).toBe(true);
    expect((await trpcError(user.auth.me())).code).toBe("UNAUTHORIZED");
    const again = await api.as("u1", "temporary1");
    expect((await again.auth.me()).mustChangePassword).toBe(true);
  });

  it("logout ends the session; audit rows name the claimed user of failed logins", async () => {
    const admin = await api.as("admin", ADMIN_PASSWORD);
    await trpcError((await api.anonymous()).auth.login({ username: "mallory", password: "guess-guess" }));
    await admin.auth.logout();
    expect((await trpcError(admin.auth.me())).code).toBe("UNAUTHORIZED");
    const rows = (await api.store.listAudit({ action: "auth.login" })).items;
    expect(rows.map((r) => [r.actor, r.result])).toEqual([
      ["mallory", "error"],
      ["admin", "ok"],
    ]);
    expect(rows.some((r) => JSON.stringify(r).includes(ADMIN_PASSWORD))).toBe(false);
    const out = (await api.store.listAudit({ action: "auth.logout" })).items;
    expect(out.map((r) => [r.actor, r.result])).toEqual([["admin", "ok"]]);
  });
});
