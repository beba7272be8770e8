import { TRPCClientError } from "@trpc/client";
import { expect, screenshot, test } from "./fixtures.ts";
import { signIn } from "./support/api.ts";

test("admin creates, edits, disables, resets and deletes a user", async ({
  adminPage: page,
  api,
  unique,
  stack,
}, info) => {
  const username = unique("alice");
  await page.goto("/users");
  await page.getByRole("button", { name: "Create user" }).click();
  const dialog = page.getByRole("dialog", { name: "Create user" });

  // Client-side validation with the shared schema, shown next to the field.
  await dialog.getByLabel("Username").fill(username);
  await dialog.getByLabel("Password", { exact: true }).fill("short");
  await dialog.getByRole("button", { name: "Create user" }).click();
  await expect(dialog.getByLabel("Password", { exact: true })).toHaveAccessibleDescription(
    "at least 8 characters",
  );

  // A server-side refusal lands next to the field it names: the username "admin" exists.
  await dialog.getByLabel("Username").fill("admin");
  await dialog.getByLabel("Password", { exact: true }).fill("long-enough-pw");
  await dialog.getByRole("button", { name: "Create user" }).click();
  await expect(dialog.getByLabel("Username")).toHaveAccessibleDescription(/already exists/);

  await dialog.getByLabel("Username").fill(username);
  await dialog.getByLabel("UID").fill("23001");
  await dialog.getByLabel("Role").selectOption("operator");
  await dialog.getByLabel("Must change password at next sign-in").uncheck();
  await dialog.getByRole("button", { name: "Create user" }).click();
  await expect(dialog).toBeHidden();
  const row = page.getByRole("row").filter({ hasText: username });
  await expect(row).toContainText("23001");
  await expect(row).toContainText("operator");
  expect((await api.users.get.query({ username })).role).toBe("operator");
  await screenshot(page, info, "users");

  // Search narrows the list.
  await page.getByRole("searchbox", { name: "Search users" }).fill(username);
  await expect(page.getByRole("row")).toHaveCount(2);
  await page.getByRole("searchbox", { name: "Search users" }).fill("");

  await row.getByRole("button", { name: `Edit ${username}` }).click();
  const edit = page.getByRole("dialog", { name: `Edit user ${username}` });
  await edit.getByLabel("GID").fill("23050");
  await edit.getByLabel("Role").selectOption("user");
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(edit).toBeHidden();
  await expect(row).toContainText("23050");
  expect(await api.users.get.query({ username })).toMatchObject({ gid: 23050, role: "user" });

  await row.getByRole("button", { name: `Disable ${username}` }).click();
  await expect(row).toContainText("disabled");
  // The badge flips optimistically; the toast confirms the daemon agreed.
  await expect(page.getByRole("status").filter({ hasText: `${username} disabled` })).toBeVisible();
  expect((await api.users.get.query({ username })).enabled).toBe(false);
  await row.getByRole("button", { name: `Enable ${username}` }).click();
  await expect(page.getByRole("status").filter({ hasText: `${username} enabled` })).toBeVisible();
  await expect(row).toContainText("enabled");

  await row.getByRole("button", { name: `Reset password of ${username}` }).click();
  const reset = page.getByRole("dialog", { name: `Reset password of ${username}` });
  await reset.getByLabel("New password").fill("reset-by-admin-1");
  await reset.getByRole("button", { name: "Reset password" }).click();
  await expect(reset).toBeHidden();
  await expect(row).toContainText("must change password");
  const session = await signIn(stack.daemonUrl, username, "reset-by-admin-1");
  expect(session.user.mustChangePassword).toBe(true);

  await row.getByRole("button", { name: `Delete ${username}` }).click();
  const confirm = page.getByRole("dialog", { name: `Delete user ${username}?` });
  await confirm.getByRole("button", { name: "Delete user" }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByRole("row").filter({ hasText: username })).toHaveCount(0);
  const gone = await api.users.get.query({ username }).catch((e: unknown) => e);
  expect(gone).toBeInstanceOf(TRPCClientError);
  expect((gone as { data?: { code?: string } }).data?.code).toBe("NOT_FOUND");
});
