/**
 * The daemon keeps its metrics history: after a reload, the time range picker shows samples taken
 * before the reload (and before the page was first opened), not a chart starting from nothing.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "./fixtures.ts";
import { smbclient } from "./support/clients.ts";

test("the time range picker shows history from before a reload", async ({ adminPage: page, api }) => {
  await page.goto("/");
  const status = page.getByRole("status", { name: "Live metrics status" });
  // The first live sample of a fresh page; generous for a loaded CI machine.
  await expect(status).toContainText(/\d+ samples? from/, { timeout: 30_000 });
  const reloadedAt = Date.now();
  await page.reload();
  // The live view starts with the earlier samples too: its charts have more points than the stream.
  await expect(page.getByRole("figure", { name: "Cache chart" })).toHaveAttribute(
    "data-samples",
    /^(?:[5-9]|\d{2,})$/,
    // The history query and first render of a fresh page load; generous for a loaded CI machine.
    { timeout: 30_000 },
  );
  await page.getByLabel("Time range").selectOption({ label: "Last 15 min" });
  await expect(status).toContainText(/[1-9]\d* samples over the last 15 min/);
  const oldest = Number(await status.getAttribute("data-oldest"));
  expect(oldest).toBeLessThan(reloadedAt - 3000);
  const history = await api.metrics.history.query({ rangeSeconds: 900 });
  expect(new Date(history[0]!.timestamp).getTime()).toBeLessThanOrEqual(oldest);
});

test("each chart has one unit, named on its y axis, and time on its x axis", async ({
  adminPage: page,
  api,
  stack,
  unique,
}) => {
  test.slow(); // a real client's write, then eleven charts checked on a loaded machine
  // A file written over SMB puts data in the cache, so the cache chart has something to draw.
  const smb = (await api.adapters.list.query()).find((a) => a.type === "smb")!.status;
  const dir = mkdtempSync(join(tmpdir(), "console-charts-"));
  const name = `${unique("chart")}.bin`;
  writeFileSync(join(dir, name), randomBytes(1024 * 1024));
  try {
    await smbclient(smb.port, "/export", "admin", stack.adminPassword, `put ${name}`, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await page.goto("/");
  await expect(page.getByRole("figure", { name: "Cache chart" })).toHaveAttribute("data-empty", "false", {
    timeout: 30_000,
  });
  const figures = await page.getByRole("figure").all();
  expect(figures.length).toBeGreaterThanOrEqual(11);
  for (const figure of figures) {
    const unit = await figure.getAttribute("data-unit");
    expect(unit, `${await figure.getAttribute("aria-label")} has a unit`).toMatch(
      /^(MiB|%|\/s|ms|MiB\/s|blocks|ops\/s)$/,
    );
    if ((await figure.getAttribute("data-empty")) === "true") continue;
    await expect(
      figure.locator(".recharts-label").filter({ hasText: new RegExp(`^${unit!.replace("/", "\\/")}$`) }),
    ).toBeVisible();
    await expect(figure.locator(".recharts-label").filter({ hasText: "time before now" })).toBeVisible();
  }
  // The latency chart says its percentiles are of the last minute, not of all time.
  await expect(page.getByRole("region", { name: "Protocol latency (last minute)" })).toBeVisible();
  await smbclient(smb.port, "/export", "admin", stack.adminPassword, `del ${name}`, tmpdir());
});
