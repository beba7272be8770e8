/**
 * Moving a share that holds files from one fs block store to another from the console, while a
 * real NFS client (libnfs nfs-cat) reads them: the bytes are identical before, during and after,
 * the progress is shown, and the old copy goes only when the admin confirms.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "./fixtures.ts";
import { nfsCopyIn, nfsRead, nfsUrl } from "./support/clients.ts";

const MiB = 1024 * 1024;
/** Big enough (16 blocks) that the copy is still running when the first read starts. */
const BIG_BYTES = 64 * MiB + 4321;

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

test("migrates a share with files to another block store while a client reads them", async ({
  adminPage: page,
  api,
  unique,
  createAccount,
}) => {
  test.setTimeout(180_000);
  const share = `/${unique("moved")}`;
  const [blocksA, blocksB] = [unique("mig-a"), unique("mig-b")];
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
  const url = (file: string) => nfsUrl(nfs.port, share, file, user.uid, user.gid);
  const dir = mkdtempSync(join(tmpdir(), "console-migration-"));
  try {
    const big = randomBytes(BIG_BYTES);
    writeFileSync(join(dir, "big.bin"), big);
    writeFileSync(join(dir, "small.bin"), randomBytes(70_000));
    await nfsCopyIn(join(dir, "big.bin"), url("big.bin"));
    await nfsCopyIn(join(dir, "small.bin"), url("small.bin"));
    const want = sha(big);
    const readBig = async () => sha(await nfsRead(url("big.bin"), BIG_BYTES + MiB));
    expect(await readBig()).toBe(want); // before

    await page.goto(`/shares${share}?tab=settings`);
    await expect(page.getByText(`Holds 2 files (64.1 MiB).`)).toBeVisible({ timeout: 15_000 });
    const move = page.getByRole("region", { name: "Move data" });
    await expect(move.getByRole("button", { name: "Migrate…" })).toBeDisabled();
    await move.getByLabel("Move data to block store").selectOption(blocksB);
    await move.getByRole("button", { name: "Migrate…" }).click();
    const confirm = page.getByRole("dialog", { name: `Move ${share} to ${blocksB}?` });
    await expect(confirm).toContainText(
      `Copies 2 files (64.1 MiB) from block store ${blocksA} to ${blocksB}, verifies every block`,
    );
    await confirm.getByRole("button", { name: "Start migration" }).click();
    await expect(move.getByRole("progressbar")).toBeVisible();
    await expect(move.getByRole("status")).toContainText(
      new RegExp(`(Copying|Verifying) from ${blocksA} to ${blocksB}: \\d+ of \\d+ files, .* ETA `),
    );

    // During: reads keep coming back whole while the copy runs (the first one starts while it does).
    const running = (phase: string | undefined) => phase === "copying" || phase === "verifying";
    const phase = async () => (await api.shares.migrations.query()).find((m) => m.share === share)?.phase;
    expect(running(await phase())).toBe(true);
    let readsDuring = 0;
    do {
      expect(await readBig()).toBe(want);
      readsDuring++;
    } while (running(await phase()));
    expect(readsDuring).toBeGreaterThan(0);

    await expect(move.getByRole("status")).toHaveText(
      `Moved to block store ${blocksB}. The old copy in ${blocksA} is kept until you remove it.`,
      { timeout: 20_000 },
    );
    await expect(page.getByText(`content on ${blocksB}.`)).toBeVisible();
    expect((await api.shares.get.query({ name: share })).blockStore).toBe(blocksB);
    expect(await readBig()).toBe(want); // after the switch

    // The old copy goes only when confirmed; the share then reads from the new store alone.
    await move.getByRole("button", { name: "Remove old copy" }).click();
    const remove = page.getByRole("dialog", { name: `Remove the old copy in ${blocksA}?` });
    await remove.getByRole("button", { name: "Remove old copy" }).click();
    await expect(move.getByRole("status")).toHaveCount(0);
    expect(await readBig()).toBe(want);
    // Each store holds what its shares hold: everything is now on the new store.
    await page.goto("/stores");
    const blockStores = page.getByRole("region", { name: "Block stores" });
    await expect(blockStores.getByRole("row").filter({ hasText: blocksB })).toContainText(
      "2 files (64.1 MiB)",
    );
    await expect(blockStores.getByRole("row").filter({ hasText: blocksA })).toContainText("no share");
    const audit = await api.audit.list.query({ action: "shares.migration" });
    expect(audit.items.some((r) => r.target === share && r.result === "ok")).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await api.shares.migrationCancel.mutate({ name: share }).catch(() => undefined);
    await api.shares.delete.mutate({ name: share });
    for (const name of [blocksA, blocksB]) await api.stores.block.delete.mutate({ name });
  }
});
