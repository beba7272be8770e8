import { expect, screenshot, test } from "./fixtures.ts";
import { DAEMON_NAME } from "./support/env.ts";

const ADMIN_NAV = ["Dashboard", "Shares", "Stores", "Adapters", "Users", "Groups", "Audit log", "Profile"];

test("an operator reads everything, starts/stops adapters, but edits no user, share or store", async ({
  pageAs,
  createAccount,
  stack,
}) => {
  const operator = await createAccount("operator");
  const page = await pageAs(operator);
  await page.goto("/");
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link")).toHaveText(ADMIN_NAV);

  await page.goto("/users");
  await expect(page.getByRole("table", { name: "Users" })).toContainText("admin");
  await expect(page.getByRole("button", { name: "Create user" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^(Edit|Delete|Disable) / })).toHaveCount(0);
  await page.goto("/groups");
  await expect(page.getByRole("button", { name: "Create group" })).toHaveCount(0);
  await page.goto("/shares");
  await expect(page.getByRole("link", { name: "/export", exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Create share" })).toHaveCount(0);
  await page.goto("/stores");
  await expect(page.getByRole("button", { name: /Create .* store/ })).toHaveCount(0);
  await page.goto("/adapters");
  await expect(page.getByRole("button", { name: /^(Stop|Start) NFS$/ })).toBeVisible();
  await expect(page.getByRole("button", { name: /^Settings of / })).toHaveCount(0);

  // The daemon, not just the UI, refuses: a mutation through the console's proxy is FORBIDDEN.
  const res = await page.request.post(`${stack.consoleUrl}/api/trpc/users.create`, {
    data: { json: { username: "sneaky", password: "sneaky-password", role: "admin" } },
  });
  expect(res.status()).toBe(403);
});

test("a user sees only their profile; admin pages and the admin API are closed to them", async ({
  pageAs,
  createAccount,
  stack,
}, info) => {
  const user = await createAccount("user");
  const page = await pageAs(user);
  await page.goto("/");
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link")).toHaveText(["Profile"]);
  await expect(
    page.getByRole("group", { name: "Account" }).or(page.getByRole("region", { name: "Account" })),
  ).toContainText(user.username);
  // Every signed-in role sees which daemon it is talking to.
  await expect(page.getByRole("banner")).toContainText(`Daemon ${DAEMON_NAME}`);
  await screenshot(page, info, "profile");
  for (const path of ["/users", "/groups", "/shares", "/shares/export", "/stores", "/adapters", "/audit"]) {
    await page.goto(path);
    await expect(page).toHaveURL(/\/profile$/);
  }
  const res = await page.request.get(`${stack.consoleUrl}/api/trpc/users.list`);
  expect(res.status()).toBe(403);

  // Their own password they may change.
  await page.getByLabel("Current password").fill(user.password);
  await page.getByLabel("New password", { exact: true }).fill(`${user.password}-2`);
  await page.getByLabel("Confirm new password").fill(`${user.password}-2`);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Password changed" })).toBeVisible();
});
