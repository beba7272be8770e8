import { expect, screenshot, test } from "./fixtures.ts";

test("admin creates a share, grants permissions, reads mount commands, edits and deletes it", async ({
  adminPage: page,
  api,
  unique,
  createAccount,
  stack,
}, info) => {
  const user = await createAccount("user");
  const group = unique("crew");
  await api.groups.create.mutate({ name: group });
  const name = `/${unique("proj")}`;

  await page.goto("/shares");
  await page.getByRole("button", { name: "Create share" }).click();
  const create = page.getByRole("dialog", { name: "Create share" });
  await create.getByLabel("Name").fill("no-leading-slash");
  await create.getByRole("button", { name: "Create share" }).click();
  await expect(create.getByLabel("Name")).toHaveAccessibleDescription("an absolute path like /export");
  await expect(create.getByLabel("Metadata store")).toHaveAccessibleDescription(/.+/);
  await create.getByLabel("Name").fill(name);
  await create.getByLabel("Metadata store").selectOption("default");
  await create.getByLabel("Block store").selectOption("default");
  await create.getByRole("button", { name: "Create share" }).click();
  await expect(page.getByRole("heading", { name: `Share ${name}` })).toBeVisible();
  expect(await api.shares.get.query({ name })).toMatchObject({
    metadataStore: "default",
    blockStore: "default",
    nfs: true,
  });

  // Mount commands name the host the console was reached at and the ports the adapters are bound to.
  const adapters = await api.adapters.list.query();
  const nfs = adapters.find((a) => a.type === "nfs");
  expect(nfs?.status.running).toBe(true);
  const nfsPort = nfs!.status.port;
  // NFSv4 first (mount.nfs negotiates the version from the port alone), then NFSv3.
  const linux = `sudo mount -t nfs -o port=${nfsPort} 127.0.0.1:${name}`;
  const linux3 = `sudo mount -t nfs -o vers=3,proto=tcp,port=${nfsPort},mountport=${nfsPort},mountproto=tcp,nolock 127.0.0.1:${name}`;
  // macOS speaks NFSv4.0 only: vers=4 with the port, before its NFSv3 line.
  const mac4 = `sudo mount -t nfs -o vers=4,port=${nfsPort} 127.0.0.1:${name}`;
  const mac3 = `sudo mount -t nfs -o vers=3,tcp,port=${nfsPort},mountport=${nfsPort},nolocks,resvport 127.0.0.1:${name}`;
  for (const line of [linux, linux3, mac4, mac3]) await expect(page.getByText(line)).toBeVisible();
  const codes = await page.locator("pre").allTextContents();
  const at = (line: string) => codes.findIndex((c) => c.includes(line));
  expect(at(linux)).toBeLessThan(at(linux3));
  expect(at(mac4)).toBeLessThan(at(mac3));
  await expect(
    page.getByText(`nfs://127.0.0.1${name}?version=3&nfsport=${nfsPort}&mountport=${nfsPort}`),
  ).toBeVisible();
  const smb = adapters.find((a) => a.type === "smb");
  if (smb?.status.running) {
    await expect(
      page.getByText(`smbclient //127.0.0.1/${name.slice(1)} -p ${smb.status.port} -U admin`),
    ).toBeVisible();
  }
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.consoleUrl });
  await page.getByRole("button", { name: "Copy NFS command for Linux (kernel NFS client, NFSv4)" }).click();
  expect(await page.evaluate<string>("navigator.clipboard.readText()")).toContain(linux);
  await screenshot(page, info, "share-detail-mount");

  await page.getByRole("tab", { name: "Permissions" }).click();
  await expect(page.getByText("No permissions granted")).toBeVisible();
  await page.getByLabel("User", { exact: true }).selectOption(user.username);
  await page.getByLabel("Level").selectOption("read-write");
  await page.getByRole("button", { name: "Grant" }).click();
  const table = page.getByRole("table", { name: "Permissions" });
  await expect(table.getByRole("row").filter({ hasText: user.username })).toContainText("read-write");
  await page.getByLabel("Kind").selectOption("group");
  await page.getByLabel("Group", { exact: true }).selectOption(group);
  await page.getByLabel("Level").selectOption("read");
  await page.getByRole("button", { name: "Grant" }).click();
  await expect(table.getByRole("row").filter({ hasText: group })).toContainText("read");
  const perms = await api.shares.permissions.list.query({ name });
  expect(perms).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ user: user.username, level: "read-write" }),
      expect.objectContaining({ group, level: "read" }),
    ]),
  );
  await screenshot(page, info, "share-detail-permissions");
  await table.getByRole("button", { name: `Remove permission of ${group}` }).click();
  await expect(table.getByRole("row").filter({ hasText: group })).toHaveCount(0);
  expect((await api.shares.permissions.list.query({ name })).map((p) => p.group ?? p.user)).toEqual([
    user.username,
  ]);

  await page.getByRole("tab", { name: "Clients" }).click();
  // The tab is in the URL: a reload (or a shared link) opens the same tab.
  await expect(page).toHaveURL(/[?&]tab=clients$/);
  await page.reload();
  await expect(page.getByRole("tab", { name: "Clients" })).toHaveAttribute("aria-selected", "true");
  await expect(page.getByText("No client is connected to this share")).toBeVisible();

  await page.getByRole("tab", { name: "Settings" }).click();
  await page.getByLabel("Read-only").check();
  await page.getByLabel("Encrypt SMB data").check();
  await page.getByLabel("Squash").selectOption("all_squash");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByRole("status").filter({ hasText: `Share ${name} saved` })).toBeVisible();
  expect(await api.shares.get.query({ name })).toMatchObject({
    readOnly: true,
    squash: "all_squash",
    encryptData: true,
  });

  await page.getByRole("button", { name: "Delete share" }).click();
  await page
    .getByRole("dialog", { name: `Delete share ${name}?` })
    .getByRole("button", { name: "Delete share" })
    .click();
  await expect(page).toHaveURL(/\/shares$/);
  await expect(page.getByRole("link", { name, exact: true })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "/export", exact: true })).toBeVisible();
  await screenshot(page, info, "shares");
  expect((await api.shares.list.query()).some((s) => s.name === name)).toBe(false);
});

test("the shares list searches by name or store, shows what each holds and links rows to their tabs", async ({
  adminPage: page,
  api,
  unique,
}) => {
  const [a, b] = [`/${unique("list-a")}`, `/${unique("list-b")}`];
  for (const name of [a, b])
    await api.shares.create.mutate({ name, metadataStore: "default", blockStore: "default" });
  try {
    await page.goto("/shares");
    const rows = page.getByRole("table", { name: "Shares" }).getByRole("row");
    await page.getByLabel("Search shares").fill(a.slice(1));
    await expect(rows).toHaveCount(2); // the header and a
    await expect(rows.nth(1)).toContainText(a);
    await expect(rows.nth(1)).toContainText("0 files (0 B)");
    await page.getByLabel("Search shares").fill(unique("nothing"));
    await expect(page.getByText("No shares match")).toBeVisible();
    await page.getByLabel("Search shares").fill(b.slice(1));
    await rows
      .nth(1)
      .getByRole("link", { name: `Settings of ${b}` })
      .click();
    await expect(page).toHaveURL(/\?tab=settings$/);
    await expect(page.getByRole("tab", { name: "Settings" })).toHaveAttribute("aria-selected", "true");
  } finally {
    for (const name of [a, b]) await api.shares.delete.mutate({ name });
  }
});
