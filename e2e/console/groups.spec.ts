import { expect, screenshot, test } from "./fixtures.ts";

test("admin creates a group, edits its gid, adds and removes members, deletes it", async ({
  adminPage: page,
  api,
  unique,
  createAccount,
}, info) => {
  const member = await createAccount("user");
  const name = unique("team");
  await page.goto("/groups");
  await page.getByRole("button", { name: "Create group" }).click();
  const create = page.getByRole("dialog", { name: "Create group" });
  await create.getByLabel("Name").fill(name);
  await create.getByLabel("GID").fill("31000");
  await create.getByRole("button", { name: "Create group" }).click();
  await expect(create).toBeHidden();
  const row = page.getByRole("row").filter({ hasText: name });
  await expect(row).toContainText("31000");

  // A gid another group already has is refused next to the GID field. The gids below are under
  // 31000 on purpose: a group created without a gid by a spec in the other worker gets the highest
  // gid + 1 (control/store/groups.ts), which would be 31001 once this group exists.
  const other = unique("other");
  await api.groups.create.mutate({ name: other, gid: 30991 });
  await row.getByRole("button", { name: `Edit ${name}` }).click();
  const edit = page.getByRole("dialog", { name: `Edit group ${name}` });
  await edit.getByLabel("GID").fill("30991");
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(edit.getByLabel("GID")).toHaveAccessibleDescription(/30991|gid/i);
  await edit.getByLabel("GID").fill("30992");
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(edit).toBeHidden();
  await expect(row).toContainText("30992");

  await row.getByRole("button", { name: `Members of ${name}` }).click();
  const members = page.getByRole("dialog", { name: `Members of ${name}` });
  await members.getByLabel("Add member").selectOption(member.username);
  await members.getByRole("button", { name: "Add", exact: true }).click();
  await expect(members.getByRole("listitem").filter({ hasText: member.username })).toBeVisible();
  expect((await api.groups.get.query({ name })).members).toEqual([member.username]);
  await screenshot(page, info, "groups-members");
  await members.getByRole("button", { name: `Remove ${member.username}` }).click();
  await expect(members.getByRole("listitem").filter({ hasText: member.username })).toHaveCount(0);
  expect((await api.groups.get.query({ name })).members).toEqual([]);
  await members.getByRole("button", { name: "Close" }).click();

  await row.getByRole("button", { name: `Delete ${name}` }).click();
  await page
    .getByRole("dialog", { name: `Delete group ${name}?` })
    .getByRole("button", { name: "Delete group" })
    .click();
  await expect(page.getByRole("row").filter({ hasText: name })).toHaveCount(0);
  expect((await api.groups.list.query()).some((g) => g.name === name)).toBe(false);
});

test("the groups list searches by name, gid and member", async ({
  adminPage: page,
  api,
  unique,
  createAccount,
}) => {
  const member = await createAccount("user");
  const [a, b] = [unique("find-a"), unique("find-b")];
  await api.groups.create.mutate({ name: a, gid: 32001 });
  await api.groups.create.mutate({ name: b, gid: 32002 });
  await api.groups.addMember.mutate({ name: b, username: member.username });
  await page.goto("/groups");
  const search = page.getByLabel("Search groups");
  const rows = page.getByRole("table", { name: "Groups" }).getByRole("row");
  await search.fill(a);
  await expect(rows).toHaveCount(2); // the header and a
  await expect(rows.nth(1)).toContainText(a);
  await search.fill("32002");
  await expect(rows.nth(1)).toContainText(b);
  await expect(rows).toHaveCount(2);
  await search.fill(member.username);
  await expect(rows.nth(1)).toContainText(b);
  await search.fill(unique("none"));
  await expect(page.getByText("No groups match")).toBeVisible();
  for (const name of [a, b]) await api.groups.delete.mutate({ name });
});

test("the built-in groups cannot be deleted: the button says why and the API refuses", async ({
  adminPage: page,
  api,
}) => {
  await page.goto("/groups");
  for (const name of ["admins", "operators", "users"]) {
    const del = page.getByRole("button", { name: `Delete ${name}`, exact: true });
    await expect(del).toBeDisabled();
    await expect(del).toHaveAttribute("title", /Built-in group/);
    const refused = await api.groups.delete.mutate({ name }).catch((e: Error) => e);
    expect((refused as Error).message).toBe(
      `group ${name} is built in (created at first start) and cannot be deleted`,
    );
  }
  expect((await api.groups.list.query()).filter((g) => g.builtIn).map((g) => g.name)).toEqual([
    "admins",
    "operators",
    "users",
  ]);
});
