import { expect, test } from "./fixtures.ts";

test("admin edits a share's NFS client list and anonymous policy on the NFS access tab", async ({
  adminPage: page,
  api,
  unique,
}) => {
  const name = `/${unique("acl")}`;
  await api.shares.create.mutate({ name, metadataStore: "default", blockStore: "default" });
  await page.goto(`/shares${name}`);
  await page.getByRole("tab", { name: "NFS access" }).click();
  const list = page.getByRole("textbox", { name: /Allowed NFS clients/ });
  await expect(list).toHaveValue("*(rw)");

  await list.fill("10.0.0.0/8(rw)\nexample.org(ro)");
  await page.getByRole("button", { name: "Save NFS access" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Line 2:" })).toBeVisible();

  await list.fill("10.0.0.0/8(rw)\n192.168.1.0/24(ro)");
  await page.getByRole("combobox", { name: /not DittoFS users/ }).selectOption("none");
  await page.getByRole("button", { name: "Save NFS access" }).click();
  await expect
    .poll(async () => {
      const s = await api.shares.get.query({ name });
      return { nfsClients: s.nfsClients, anonymousAccess: s.anonymousAccess };
    })
    .toEqual({
      nfsClients: [
        { host: "10.0.0.0/8", access: "read-write" },
        { host: "192.168.1.0/24", access: "read" },
      ],
      anonymousAccess: "none",
    });
  await api.shares.delete.mutate({ name });
});
