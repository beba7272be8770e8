/**
 * A daemon outage with the console open, on a private daemon and console (the suite's shared
 * daemon must keep running for the other specs): the open dashboard says its data is stale, a
 * reload gets the console's own "unreachable" page, sign-in says the daemon is not answering, and
 * after a restart on the same port the live stream resumes and the outage page reloads by itself.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, SESSION_COOKIE, test } from "./fixtures.ts";
import { signIn } from "./support/api.ts";
import { ADMIN_PASSWORD, type Cleanups, startConsole, startDaemon } from "./support/stack.ts";

const ROOT = join(import.meta.dirname, "..", "..");

function sampleCount(text: string | null): number {
  return Number(text?.match(/(\d+) samples?/)?.[1] ?? Number.NaN);
}

test("daemon stop and restart with the dashboard open", async ({ browser }) => {
  test.setTimeout(150_000);
  const dir = mkdtempSync(join(tmpdir(), "console-outage-"));
  const cleanups: Cleanups = [async () => rmSync(dir, { recursive: true, force: true })];
  try {
    let daemon = await startDaemon(ROOT, dir, cleanups);
    const consoleApp = await startConsole(ROOT, dir, daemon.url, cleanups);
    const { token } = await signIn(daemon.url, "admin", ADMIN_PASSWORD);
    const context = await browser.newContext({ baseURL: consoleApp.url });
    await context.addCookies([{ name: SESSION_COOKIE, value: token, url: consoleApp.url }]);
    const dashboard = await context.newPage();
    await dashboard.goto("/");
    const live = dashboard.getByRole("status", { name: "Live metrics status" });
    await expect(live).toContainText(/\d+ samples? from/);

    const before = sampleCount(await live.textContent());
    await daemon.service.stop();
    // The open page keeps what it had, marked stale, and its stream says it is reconnecting.
    await expect(dashboard.getByRole("alert").filter({ hasText: "The daemon is unreachable" })).toBeVisible();
    await expect(dashboard.locator("[data-stale]")).toHaveAttribute("data-stale", "true");
    await expect(live).toContainText("reconnecting in");

    // A reload gets the console's own page (not Next's crash page), which keeps retrying.
    const reloaded = await context.newPage();
    await reloaded.goto("/");
    await expect(reloaded.getByRole("heading", { name: "The DittoFS daemon is unreachable" })).toBeVisible();
    await expect(reloaded.getByRole("status", { name: "Reconnect status" })).toContainText(/Attempt \d+/);

    // Sign-in says what is wrong in plain words.
    const signInPage = await browser.newPage({ baseURL: consoleApp.url });
    await signInPage.goto("/login");
    await signInPage.getByLabel("Username").fill("admin");
    await signInPage.getByLabel("Password").fill(ADMIN_PASSWORD);
    await signInPage.getByRole("button", { name: "Sign in" }).click();
    await expect(
      signInPage.getByRole("alert").filter({ hasText: "The DittoFS daemon is not answering" }),
    ).toBeVisible();
    await signInPage.close();

    daemon = await startDaemon(ROOT, dir, cleanups, daemon.port);
    // Without any reload: the banner goes, the stream resumes, the outage page becomes the dashboard.
    await expect(dashboard.getByRole("alert").filter({ hasText: "unreachable" })).toHaveCount(0, {
      timeout: 20_000,
    });
    await expect(dashboard.locator("[data-stale]")).toHaveAttribute("data-stale", "false");
    await expect(async () => {
      expect(sampleCount(await live.textContent())).toBeGreaterThanOrEqual(before + 2);
    }).toPass({ timeout: 30_000 });
    await expect(reloaded.getByRole("heading", { name: "Dashboard" })).toBeVisible({ timeout: 30_000 });
    await context.close();
  } finally {
    for (const fn of cleanups.reverse()) await fn().catch(() => {});
  }
});
