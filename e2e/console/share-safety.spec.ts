/**
 * Changes that cannot lose data: a share that holds files keeps its stores (the console says why,
 * the API refuses with the reason), and deleting it says what it holds. The file is written by a
 * real NFS client (libnfs nfs-cp), and the usage shown is what that client wrote.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TRPCClientError } from "@trpc/client";
import { expect, test } from "./fixtures.ts";
import { nfsCopyIn, nfsUrl } from "./support/clients.ts";

test("a share holding files shows its usage and refuses a store change, saying why", async ({
  adminPage: page,
  api,
  unique,
  createAccount,
}) => {
  const share = `/${unique("held")}`;
  const [blocksA, blocksB] = [unique("blk-a"), unique("blk-b")];
  for (const name of [blocksA, blocksB])
    await api.stores.block.create.mutate({ name, type: "fs", config: { path: name } });
  await api.shares.create.mutate({
    name: share,
    metadataStore: "default",
    blockStore: blocksA,
    squash: "none",
  });
  const { username } = await createAccount("user");
  const user = await api.users.get.query({ username });
  await api.shares.permissions.set.mutate({ name: share, user: username, level: "read-write" });
  const nfs = (await api.adapters.list.query()).find((a) => a.type === "nfs")!.status;
  const dir = mkdtempSync(join(tmpdir(), "console-safety-"));
  try {
    // While empty, the share may move to another block store.
    await page.goto(`/shares${share}`);
    await page.getByRole("tab", { name: "Settings" }).click();
    await expect(page.getByLabel("Block store", { exact: true })).toBeEnabled();

    writeFileSync(join(dir, "in.bin"), randomBytes(70_000));
    await nfsCopyIn(join(dir, "in.bin"), nfsUrl(nfs.port, share, "kept.bin", user.uid, user.gid));

    // The figure follows the client's write without a reload.
    await expect(page.getByText("Holds 1 file (68.4 KiB).")).toBeVisible({ timeout: 15_000 });
    await page.getByRole("tab", { name: "Settings" }).click();
    const select = page.getByLabel("Block store", { exact: true });
    await expect(select).toBeDisabled();
    await expect(page.getByRole("note")).toContainText("The share holds 1 file (68.4 KiB)");
    await expect(select).toHaveAttribute("title", /would be unreadable/);

    const refused = await api.shares.update.mutate({ name: share, blockStore: blocksB }).catch((e) => e);
    expect(refused).toBeInstanceOf(TRPCClientError);
    expect((refused as TRPCClientError<never>).message).toBe(
      `share ${share} holds 1 file (70000 bytes); moving it from block store ${blocksA} to ${blocksB} would leave them unreadable. Migrate its data to the new block store instead (it copies, verifies, then switches).`,
    );
    expect((await api.shares.get.query({ name: share })).blockStore).toBe(blocksA);

    await page.getByRole("button", { name: "Delete share" }).click();
    const confirm = page.getByRole("dialog", { name: `Delete share ${share}?` });
    await expect(confirm).toContainText(`${share} holds 1 file (68.4 KiB)`);
    await confirm.getByRole("button", { name: "Cancel" }).click();
    expect((await api.shares.list.query()).some((s) => s.name === share)).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await api.shares.delete.mutate({ name: share });
    for (const name of [blocksA, blocksB]) await api.stores.block.delete.mutate({ name });
  }
});
