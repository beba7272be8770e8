import { readFileSync } from "node:fs";
import { expect, screenshot, test } from "./fixtures.ts";
import { signIn } from "./support/api.ts";

test("audit rows appear for changes, and the filters narrow them", async ({
  adminPage: page,
  unique,
  createAccount,
  stack,
}, info) => {
  const actor = await createAccount("admin");
  const { api: actorApi } = await signIn(stack.daemonUrl, actor.username, actor.password);
  const group = unique("audited");
  await actorApi.groups.create.mutate({ name: group });
  await actorApi.groups.delete.mutate({ name: group });
  // A refused attempt is audited too, with its error.
  await actorApi.groups.delete.mutate({ name: group }).catch(() => undefined);

  await page.goto("/audit");
  await page.getByLabel("Actor").fill(actor.username);
  await page.getByRole("button", { name: "Apply filters" }).click();
  const table = page.getByRole("table", { name: "Audit log" });
  await expect(table.getByRole("row").filter({ hasText: "groups.create" })).toContainText(group);
  await expect(table.getByRole("row").filter({ hasText: "groups.delete" })).toHaveCount(2);
  await expect(
    table.getByRole("row").filter({ hasText: "groups.delete" }).filter({ hasText: "error" }),
  ).toContainText("NOT_FOUND");
  // Filters are exact: nothing of another actor, nothing but the chosen action.
  await expect(table.getByRole("row").filter({ hasNotText: actor.username })).toHaveCount(1); // the header
  await page.getByLabel("Action").fill("groups.create");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(table.getByRole("row")).toHaveCount(2);
  await expect(table.getByRole("row").nth(1)).toContainText(group);
  // Each row says where the change came from, and the rows shown export as CSV and JSON.
  await expect(table.getByRole("row").nth(1)).toContainText("127.0.0.1");
  const csv = page.waitForEvent("download");
  await page.getByRole("button", { name: "CSV", exact: true }).click();
  const csvText = readFileSync((await (await csv).path())!, "utf8");
  expect(csvText.split("\r\n")[0]).toBe("id,at,actor,address,action,target,result,detail");
  expect(csvText.split("\r\n")[1]).toMatch(
    new RegExp(`^\\d+,\\d{4}-[^,]+,${actor.username},127\\.0\\.0\\.1,groups\\.create,${group},ok,$`),
  );
  const json = page.waitForEvent("download");
  await page.getByRole("button", { name: "JSON", exact: true }).click();
  const rows = JSON.parse(readFileSync((await (await json).path())!, "utf8")) as Array<
    Record<string, unknown>
  >;
  expect(rows.map((r) => [r.actor, r.action, r.target, r.address])).toEqual([
    [actor.username, "groups.create", group, "127.0.0.1"],
  ]);
  await screenshot(page, info, "audit");

  await page.getByLabel("Actor").fill(unique("nobody"));
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page.getByText("No audit entries match")).toBeVisible();
  await page.getByRole("button", { name: "Clear" }).click();
  await expect(table.getByRole("row").nth(1)).toBeVisible();
});

test("the audit log pages by cursor: Load more fetches the older rows", async ({
  adminPage: page,
  unique,
  createAccount,
  stack,
}) => {
  const actor = await createAccount("admin");
  const { api: actorApi } = await signIn(stack.daemonUrl, actor.username, actor.password);
  // 55 audited attempts (refused deletes of missing groups): more than one page of 50.
  const missing = unique("missing");
  for (let i = 0; i < 55; i++)
    await actorApi.groups.delete.mutate({ name: `${missing}-${i}` }).catch(() => undefined);

  await page.goto("/audit");
  await page.getByLabel("Actor").fill(actor.username);
  await page.getByLabel("Action").fill("groups.delete");
  await page.getByRole("button", { name: "Apply filters" }).click();
  const table = page.getByRole("table", { name: "Audit log" });
  await expect(table.getByRole("row")).toHaveCount(51);
  // Newest first: the last attempt heads the first page.
  await expect(table.getByRole("row").nth(1)).toContainText(`${missing}-54`);
  await page.getByRole("button", { name: "Load more" }).click();
  await expect(table.getByRole("row")).toHaveCount(56);
  await expect(table.getByRole("row").nth(55)).toContainText(`${missing}-0`);
  await expect(page.getByRole("button", { name: "Load more" })).toHaveCount(0);
});
