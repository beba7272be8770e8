/**
 * The daemon keeps its metrics history: after a reload, the time range picker shows samples taken
 * before the reload (and before the page was first opened), not a chart starting from nothing.
 */
import { expect, test } from "./fixtures.ts";

test("the time range picker shows history from before a reload", async ({ adminPage: page, api }) => {
  await page.goto("/");
  const status = page.getByRole("status", { name: "Live metrics status" });
  await expect(status).toContainText(/\d+ samples? from/);
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
