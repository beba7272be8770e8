import { expect, screenshot, test } from "./fixtures.ts";

test("a narrow window keeps every page usable, and the dark theme sticks across reloads", async ({
  browser,
  stack,
}, info) => {
  // Nine page loads at a phone width: on a loaded 2-core CI machine that outlasts the default 60 s.
  test.slow();
  const context = await browser.newContext({
    baseURL: stack.consoleUrl,
    viewport: { width: 390, height: 844 },
  });
  await context.addCookies([
    {
      name: "dittofs_session",
      value: stack.adminToken,
      url: stack.consoleUrl,
      httpOnly: true,
      sameSite: "Strict",
    },
  ]);
  const page = await context.newPage();
  try {
    // The navigation sits in a drawer behind a menu button; a link in it closes it.
    await page.goto("/");
    await expect(page.getByRole("navigation", { name: "Main" })).toBeHidden();
    await page.getByRole("button", { name: "Open navigation" }).click();
    const drawer = page.getByRole("dialog", { name: "Navigation" });
    await drawer.getByRole("link", { name: "Shares" }).click();
    await expect(page).toHaveURL(/\/shares$/);
    await expect(drawer).toBeHidden();
    for (const path of [
      "/",
      "/shares",
      "/shares/export",
      "/stores",
      "/adapters",
      "/users",
      "/groups",
      "/audit",
      "/profile",
    ]) {
      await page.goto(path);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
      // Wide tables scroll inside their own box; the page itself never scrolls sideways.
      const overflow = await page.evaluate<number>(
        "document.documentElement.scrollWidth - window.innerWidth",
      );
      expect(overflow, `horizontal overflow on ${path}`).toBeLessThanOrEqual(0);
    }
    await page.goto("/");
    await page.getByRole("button", { name: "Switch to dark theme" }).click();
    await expect(page.locator("html")).toHaveClass(/dark/);
    await page.reload();
    await expect(page.locator("html")).toHaveClass(/dark/);
    await expect(page.getByRole("button", { name: "Switch to light theme" })).toBeVisible();
    await expect(page.getByRole("status", { name: "Live metrics status" })).toContainText(/\d+ samples?/);
    await screenshot(page, info, "dashboard-narrow-dark");
  } finally {
    await context.close();
  }
});
