import { join } from "node:path";
import { expect, test } from "./fixtures.ts";
import { S3_BUCKET } from "./support/stack.ts";

test("block stores: fs and S3 forms, S3 test connection against a real S3 server", async ({
  adminPage: page,
  api,
  unique,
  stack,
}) => {
  const fs = unique("blk-fs");
  const s3 = unique("blk-s3");
  await page.goto("/stores");
  const section = page.getByRole("region", { name: "Block stores" });

  await section.getByRole("button", { name: "Create block store" }).click();
  let dialog = page.getByRole("dialog", { name: "Create block store" });
  await dialog.getByLabel("Name").fill(fs);
  await dialog.getByLabel("Type").selectOption("fs");
  await dialog.getByLabel("Directory path").fill(join(stack.dataDir, fs));
  await dialog.getByRole("button", { name: "Test connection" }).click();
  await expect(dialog.getByRole("status").filter({ hasText: "Connection OK" })).toBeVisible();
  await dialog.getByRole("button", { name: "Create store" }).click();
  await expect(dialog).toBeHidden();
  await expect(section.getByRole("row").filter({ hasText: fs })).toContainText("healthy");

  // Edit: the form opens with the stored config; the new path is stored and the store reopened.
  await section
    .getByRole("row")
    .filter({ hasText: fs })
    .getByRole("button", { name: `Edit ${fs}` })
    .click();
  const edit = page.getByRole("dialog", { name: `Edit block store ${fs}` });
  await expect(edit.getByLabel("Directory path")).toHaveValue(join(stack.dataDir, fs));
  await edit.getByLabel("Directory path").fill(join(stack.dataDir, `${fs}-moved`));
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(edit).toBeHidden();
  await expect(section.getByRole("row").filter({ hasText: fs })).toContainText(`${fs}-moved`);
  expect((await api.stores.block.get.query({ name: fs })).config).toMatchObject({
    path: join(stack.dataDir, `${fs}-moved`),
  });

  await section.getByRole("button", { name: "Create block store" }).click();
  dialog = page.getByRole("dialog", { name: "Create block store" });
  await dialog.getByLabel("Name").fill(s3);
  await dialog.getByLabel("Type").selectOption("s3");
  await dialog.getByLabel("Bucket").fill("no-such-bucket");
  await dialog.getByLabel("Region (optional)").fill("us-east-1");
  await dialog.getByLabel("Endpoint URL (optional)").fill(stack.s3Endpoint);
  await dialog.getByLabel("Key prefix (optional)").fill(`${s3}/`);
  await dialog.getByLabel("Access key ID (optional)").fill("S3RVER");
  await dialog.getByLabel("Secret access key (optional)").fill("S3RVER");
  await dialog.getByLabel("Path-style addressing (MinIO and most non-AWS servers)").check();
  await dialog.getByRole("button", { name: "Test connection" }).click();
  await expect(dialog.getByRole("status").filter({ hasText: /Connection failed|Test failed/ })).toBeVisible();
  // Creating it anyway asks first, saying why; nothing is created until the admin insists.
  await dialog.getByRole("button", { name: "Create store" }).click();
  await expect(dialog.getByRole("alert")).toContainText("The connection test failed:");
  await expect(dialog.getByRole("button", { name: "Create anyway" })).toBeVisible();
  expect((await api.stores.block.list.query()).some((st) => st.name === s3)).toBe(false);

  await dialog.getByLabel("Bucket").fill(S3_BUCKET);
  await dialog.getByRole("button", { name: "Test connection" }).click();
  await expect(dialog.getByRole("status").filter({ hasText: "Connection OK" })).toBeVisible();
  await dialog.getByRole("button", { name: "Create store" }).click();
  await expect(dialog).toBeHidden();
  const row = section.getByRole("row").filter({ hasText: s3 });
  await expect(row).toContainText(`s3://${S3_BUCKET}/${s3}/`);
  await expect(row).toContainText("healthy");
  expect(await api.stores.block.get.query({ name: s3 })).toMatchObject({ type: "s3" });

  // A store a share uses cannot go; the reason names the share.
  const share = `/${unique("on-s3")}`;
  await api.shares.create.mutate({ name: share, metadataStore: "default", blockStore: s3 });
  await page.reload();
  await row.getByRole("button", { name: `Delete ${s3}` }).click();
  const confirm = page.getByRole("dialog", { name: `Delete block store ${s3}?` });
  await confirm.getByRole("button", { name: "Delete store" }).click();
  await expect(confirm.getByRole("alert")).toContainText(share);
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await api.shares.delete.mutate({ name: share });
  await row.getByRole("button", { name: `Delete ${s3}` }).click();
  await confirm.getByRole("button", { name: "Delete store" }).click();
  await expect(row).toHaveCount(0);
});
