/**
 * Throughput per share and per client (issue 16 "Metrics"): a real NFS client (libnfs nfs-cp)
 * and a real SMB client (an open smbclient session) write and read a share; the dashboard and the
 * share page show each share's and each client's bytes exactly as the clients moved them, and the
 * API (metrics.snapshot, clients.list) carries the same figures. Screenshots of both pages at
 * 1440 and 390 px are kept as artifacts.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "@playwright/test";
import { expect, screenshot, test } from "./fixtures.ts";
import { nfsCopyIn, nfsUrl, smbSession } from "./support/clients.ts";

/** The console's byte format (apps/console/lib/format.ts), to compare a page with what was written. */
function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

const NFS_BYTES = 300_000;
const SMB_PUT_BYTES = 200_000;

async function pageAt(page: Page, width: number): Promise<void> {
  await page.setViewportSize({ width, height: width < 768 ? 844 : 1000 });
}

test("the dashboard and the share page show what each share and client read and wrote", async ({
  adminPage: page,
  api,
  unique,
  createAccount,
}, info) => {
  test.slow();
  const share = `/${unique("traffic")}`;
  await api.shares.create.mutate({
    name: share,
    metadataStore: "default",
    blockStore: "default",
    squash: "none",
  });
  const account = await createAccount("user");
  const user = await api.users.get.query({ username: account.username });
  await api.shares.permissions.set.mutate({ name: share, user: account.username, level: "read-write" });
  const ports = Object.fromEntries((await api.adapters.list.query()).map((a) => [a.type, a.status.port]));
  const dir = mkdtempSync(join(tmpdir(), "console-traffic-"));
  let session: ReturnType<typeof smbSession> | null = null;
  try {
    writeFileSync(join(dir, "nfs.bin"), randomBytes(NFS_BYTES));
    await nfsCopyIn(join(dir, "nfs.bin"), nfsUrl(ports.nfs!, share, "nfs.bin", user.uid, user.gid));
    // An open SMB session reads the NFS client's file back and writes one of its own.
    writeFileSync(join(dir, "smb.bin"), randomBytes(SMB_PUT_BYTES));
    session = smbSession(
      ports.smb!,
      share,
      account.username,
      account.password,
      `lcd ${dir}; get nfs.bin back.bin; put smb.bin smb.bin`,
    );
    await expect(async () => {
      expect(existsSync(join(dir, "back.bin")) && statSync(join(dir, "back.bin")).size).toBe(NFS_BYTES);
      const s = (await api.metrics.snapshot.query()).shares.find((t) => t.share === share);
      expect([s?.writtenBytes, s?.readBytes]).toEqual([NFS_BYTES + SMB_PUT_BYTES, NFS_BYTES]);
    }).toPass({ timeout: 20_000 });
    expect(readFileSync(join(dir, "back.bin")).equals(readFileSync(join(dir, "nfs.bin")))).toBe(true);

    // The API: per client, each protocol's own bytes.
    const clients = (await api.clients.list.query()).filter((c) => c.share === share);
    const nfs = clients.find((c) => c.protocol === "nfs");
    const smb = clients.find((c) => c.protocol === "smb");
    expect([nfs?.traffic.writtenBytes, nfs?.traffic.readBytes]).toEqual([NFS_BYTES, 0]);
    expect([smb?.traffic.writtenBytes, smb?.traffic.readBytes]).toEqual([SMB_PUT_BYTES, NFS_BYTES]);

    // The share page: the share's totals, and each client's on the Clients tab.
    await pageAt(page, 1440);
    await page.goto(`/shares${share}?tab=clients`);
    const summary = page.getByLabel(`Traffic of ${share}`);
    await expect(summary.getByText(`${formatBytes(NFS_BYTES + SMB_PUT_BYTES)} in `)).toBeVisible();
    await expect(summary.getByText(`${formatBytes(NFS_BYTES)} in `)).toBeVisible();
    const table = page.getByRole("table", { name: "Connected clients" });
    const row = (protocol: string) => table.getByRole("row").filter({ hasText: protocol });
    const cells = async (protocol: string) => {
      const headers = await table.getByRole("columnheader").allTextContents();
      const values = await row(protocol).getByRole("cell").allTextContents();
      return Object.fromEntries(headers.map((h, i) => [h.replace(/[▲▼]/g, ""), values[i]]));
    };
    await expect(row("NFS")).toBeVisible();
    await expect(row("SMB")).toBeVisible();
    expect(await cells("NFS")).toMatchObject({
      Written: expect.stringMatching(`^${formatBytes(NFS_BYTES)} in \\d+ writes?$`),
      Read: "0 B in 0 reads",
    });
    expect(await cells("SMB")).toMatchObject({
      Written: expect.stringMatching(`^${formatBytes(SMB_PUT_BYTES)} in \\d+ writes?$`),
      Read: expect.stringMatching(`^${formatBytes(NFS_BYTES)} in \\d+ reads?$`),
    });
    // The share's rate, once two polls were taken.
    await expect(summary.getByRole("definition").nth(1)).toHaveText(/\/s$/, { timeout: 15_000 });
    await screenshot(page, info, "console-share-1440");

    // The dashboard: the share's row in "Traffic by share", each client's in "Traffic by client".
    await page.goto("/");
    const byShare = page
      .getByRole("table", { name: "Traffic by share" })
      .getByRole("row")
      .filter({ hasText: share });
    // The dashboard polls a dozen queries and streams samples: at a load of 15-20 its first
    // render takes well over the default 10 s.
    await expect(byShare).toContainText(`${formatBytes(NFS_BYTES + SMB_PUT_BYTES)} in `, { timeout: 30_000 });
    await expect(byShare).toContainText(`${formatBytes(NFS_BYTES)} in `);
    // A rate appears once two polls were taken (— before).
    await expect(byShare.getByRole("cell").nth(1)).toHaveText(/\/s$/, { timeout: 15_000 });
    const byClient = page.getByRole("table", { name: "Traffic by client" });
    await expect(
      byClient.getByRole("row").filter({ hasText: "SMB" }).filter({ hasText: share }),
    ).toContainText(`${formatBytes(SMB_PUT_BYTES)} in `);
    // The share's throughput over time, from the samples the daemon kept while the clients worked.
    const chart = page.getByRole("figure", { name: "Share throughput chart" });
    await expect(chart).toHaveAttribute("data-empty", "false", { timeout: 15_000 });
    await expect(chart).toContainText(share);
    await screenshot(page, info, "console-dashboard-1440");

    // At a phone width the same figures are on cards.
    await pageAt(page, 390);
    await expect(
      page.getByRole("list", { name: "Traffic by share" }).getByRole("listitem").filter({ hasText: share }),
    ).toContainText(`${formatBytes(NFS_BYTES + SMB_PUT_BYTES)} in `);
    await screenshot(page, info, "console-dashboard-390");
    await page.goto(`/shares${share}?tab=clients`);
    await expect(
      page.getByRole("list", { name: "Connected clients" }).getByRole("listitem").filter({ hasText: "SMB" }),
    ).toContainText(`${formatBytes(SMB_PUT_BYTES)} in `);
    await screenshot(page, info, "console-share-390");
  } finally {
    session?.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
    await api.shares.delete.mutate({ name: share });
  }
});
