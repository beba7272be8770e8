import { request as httpRequest } from "node:http";
import { expect, screenshot, test } from "./fixtures.ts";

/** POSTs JSON from a chosen loopback source address (a browser cannot pick one); resolves the status. */
function postFrom(
  localAddress: string,
  url: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: "POST", localAddress, headers: { ...headers, "content-type": "application/json" } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

test.describe("sign-in", () => {
  test("an address the browser claims (X-Forwarded-For, Forwarded, X-Real-IP) does not reach the daemon, which trusts the console", async ({
    page,
    createAccount,
    api,
    unique,
  }) => {
    const forged = "203.0.113.7";
    const claims = { "x-forwarded-for": forged, forwarded: `for=${forged}`, "x-real-ip": forged };
    await page.setExtraHTTPHeaders(claims);
    // Through the tRPC proxy without a session: the refusal is audited with the caller's address.
    const refused = await page.request.post("/api/trpc/users.create", {
      headers: { ...claims, "content-type": "application/json" },
      data: { json: { username: unique("xff"), password: "p4ssword-X1", role: "user" } },
    });
    expect(refused.status()).toBe(401);
    // Through the sign-in form: the failed logon is audited (and throttled) by address.
    const account = await createAccount("user");
    await page.goto("/login");
    await page.getByLabel("Username").fill(account.username);
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "invalid username or password" })).toBeVisible();

    const rows = async () => (await api.audit.list.query({ limit: 500 })).items;
    await expect
      .poll(async () => (await rows()).find((r) => r.actor === account.username)?.target)
      .toBe("address:127.0.0.1");
    expect((await rows()).filter((r) => r.target?.includes(forged))).toEqual([]);
  });

  test("the daemon sees the browser's own TCP address through the console, not one it claims", async ({
    stack,
    createAccount,
    api,
  }) => {
    // The console's server sets X-Forwarded-For from the socket peer; the daemon trusts the console.
    const forged = "203.0.113.8";
    const account = await createAccount("user");
    const status = await postFrom(
      "127.0.0.2",
      `${stack.consoleUrl}/api/trpc/auth.login`,
      { json: { username: account.username, password: "not-the-password" } },
      { "x-forwarded-for": forged },
    );
    expect(status).toBe(401);
    const rows = async () => (await api.audit.list.query({ limit: 500 })).items;
    await expect
      .poll(async () => (await rows()).find((r) => r.actor === account.username)?.target)
      .toBe("address:127.0.0.2");
    expect((await rows()).filter((r) => r.target?.includes(forged))).toEqual([]);
  });

  test("a wrong password shows an error; the right one opens the dashboard; sign-out ends the session", async ({
    page,
    createAccount,
    stack,
  }, info) => {
    const admin = await createAccount("admin");
    await page.goto("/");
    await expect(page).toHaveURL(/\/login$/);
    await screenshot(page, info, "login");

    await page.getByLabel("Username").fill(admin.username);
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "invalid username or password" })).toBeVisible();
    await expect(page).toHaveURL(/\/login$/);

    await page.getByLabel("Password").fill(admin.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
    await expect(page.getByText(`Signed in as ${admin.username}`)).toBeVisible();

    // The session lives in an httpOnly, SameSite=Strict cookie that scripts cannot read.
    const cookie = (await page.context().cookies()).find((c) => c.name === "dittofs_session");
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe("Strict");
    expect(await page.evaluate<string>("document.cookie")).not.toContain("dittofs_session");

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login$/);
    await page.goto("/users");
    await expect(page).toHaveURL(/\/login$/);
    // The daemon forgot the token too: it no longer authenticates API calls.
    const res = await fetch(`${stack.daemonUrl}/trpc/auth.me`, {
      headers: { authorization: `Bearer ${cookie?.value}` },
    });
    expect(res.status).toBe(401);
  });

  test("an account flagged must-change-password changes it before reaching anything else", async ({
    page,
    createAccount,
  }, info) => {
    const user = await createAccount("user", { mustChangePassword: true });
    await page.goto("/login");
    await page.getByLabel("Username").fill(user.username);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/change-password$/);
    await screenshot(page, info, "change-password");

    await page.goto("/profile");
    await expect(page).toHaveURL(/\/change-password$/);

    const newPassword = `${user.password}-new`;
    await page.getByLabel("Current password").fill("wrong-current-pw");
    await page.getByLabel("New password", { exact: true }).fill(newPassword);
    await page.getByLabel("Confirm new password").fill(newPassword);
    await page.getByRole("button", { name: "Change password" }).click();
    await expect(page.getByLabel("Current password")).toHaveAccessibleDescription("does not match");

    await page.getByLabel("Current password").fill(user.password);
    await page.getByLabel("Confirm new password").fill("something-else");
    await page.getByRole("button", { name: "Change password" }).click();
    await expect(page.getByLabel("Confirm new password")).toHaveAccessibleDescription(
      "does not match the new password",
    );

    await page.getByLabel("Confirm new password").fill(newPassword);
    await page.getByRole("button", { name: "Change password" }).click();
    await expect(page).toHaveURL(/\/profile$/);
    await expect(page.getByRole("heading", { name: "Profile" })).toBeVisible();
  });
});
