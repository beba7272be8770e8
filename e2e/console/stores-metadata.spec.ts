import { join } from "node:path";
import { createDatabase } from "../peers/postgres.ts";
import { expect, screenshot, test } from "./fixtures.ts";

test("metadata stores: sqlite and postgres forms, health, and a delete refused while a share uses the store", async ({
  adminPage: page,
  api,
  unique,
  stack,
}, info) => {
  const sqlite = unique("meta-sqlite");
  const pg = unique("meta-pg");
  const pgUrl = await createDatabase(stack.pgUrl, pg.replaceAll("-", "_"));
  await page.goto("/stores");
  const section = page.getByRole("region", { name: "Metadata stores" });

  await section.getByRole("button", { name: "Create metadata store" }).click();
  let dialog = page.getByRole("dialog", { name: "Create metadata store" });
  await dialog.getByLabel("Name").fill(sqlite);
  await dialog.getByLabel("Type").selectOption("sqlite");
  await dialog.getByRole("button", { name: "Create store" }).click();
  await expect(dialog.getByLabel("SQLite file path")).toHaveAccessibleDescription("required");
  await dialog.getByLabel("SQLite file path").fill(join(stack.dataDir, `${sqlite}.db`));
  await dialog.getByRole("button", { name: "Create store" }).click();
  await expect(dialog).toBeHidden();
  await expect(section.getByRole("row").filter({ hasText: sqlite })).toContainText("healthy");

  await section.getByRole("button", { name: "Create metadata store" }).click();
  dialog = page.getByRole("dialog", { name: "Create metadata store" });
  await dialog.getByLabel("Name").fill(pg);
  await dialog.getByLabel("Type").selectOption("postgres");
  await dialog.getByLabel("PostgreSQL URL").fill("mysql://nope");
  await dialog.getByRole("button", { name: "Create store" }).click();
  await expect(dialog.getByLabel("PostgreSQL URL")).toHaveAccessibleDescription("a postgres:// URL");
  await dialog.getByLabel("PostgreSQL URL").fill(pgUrl);
  await dialog.getByRole("button", { name: "Create store" }).click();
  await expect(dialog).toBeHidden();
  await expect(section.getByRole("row").filter({ hasText: pg })).toContainText("healthy");
  expect(await api.stores.metadata.get.query({ name: pg })).toMatchObject({ type: "postgres" });
  await screenshot(page, info, "stores");

  // "default" backs the /export share: the daemon refuses and the dialog shows why.
  const defaultRow = section
    .getByRole("row")
    .filter({ has: page.getByRole("cell", { name: "default", exact: true }) });
  await defaultRow.getByRole("button", { name: "Delete default" }).click();
  const confirm = page.getByRole("dialog", { name: "Delete metadata store default?" });
  await confirm.getByRole("button", { name: "Delete store" }).click();
  await expect(confirm.getByRole("alert")).toContainText("/export");
  await confirm.getByRole("button", { name: "Cancel" }).click();
  expect((await api.stores.metadata.list.query()).some((s) => s.name === "default")).toBe(true);

  await section
    .getByRole("row")
    .filter({ hasText: sqlite })
    .getByRole("button", { name: `Delete ${sqlite}` })
    .click();
  await page
    .getByRole("dialog", { name: `Delete metadata store ${sqlite}?` })
    .getByRole("button", { name: "Delete store" })
    .click();
  await expect(section.getByRole("row").filter({ hasText: sqlite })).toHaveCount(0);
});
