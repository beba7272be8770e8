/**
 * Test fixtures: the stack's URLs, an admin API client for seeding, unique names, and pages
 * signed in as a given account (the session cookie set from an API login, as the console's own
 * sign-in would set it). Sign-in through the form is tested on its own in auth.spec.ts.
 */
import { test as base, expect, type Page, type TestInfo } from "@playwright/test";
import { type Api, apiClient, signIn } from "./support/api.ts";
import { type StackEnv, stackEnv } from "./support/env.ts";

export { expect };

export const SESSION_COOKIE = "dittofs_session";

export interface Account {
  username: string;
  password: string;
}

interface Fixtures {
  stack: StackEnv;
  /** Signed in as the first admin. */
  api: Api;
  /** A name no other test uses: `<prefix>-<worker>-<counter><time>`. */
  unique: (prefix: string) => string;
  /** Creates an account through the API (role user unless given). */
  createAccount: (
    role?: "admin" | "operator" | "user",
    opts?: { mustChangePassword?: boolean },
  ) => Promise<Account>;
  /** A page whose browser context carries a session for `account`. */
  pageAs: (account: Account) => Promise<Page>;
  /** A page signed in as the admin. */
  adminPage: Page;
}

let counter = 0;

export const test = base.extend<Fixtures>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads fixture dependencies from this pattern.
  stack: async ({}, use) => use(stackEnv()),
  baseURL: async ({ stack }, use) => use(stack.consoleUrl),
  // One admin session for the whole run (global setup): logins are rate-limited per user and IP.
  api: async ({ stack }, use) => use(apiClient(stack.daemonUrl, stack.adminToken)),
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads fixture dependencies from this pattern.
  unique: async ({}, use, info) => {
    await use(
      (prefix) =>
        `${prefix}-${info.workerIndex}-${(counter++).toString(36)}${Date.now().toString(36).slice(-5)}`,
    );
  },
  createAccount: async ({ api, unique }, use) => {
    await use(async (role = "user", opts = {}) => {
      const account = {
        username: unique(role),
        password: `pw-${Math.random().toString(36).slice(2, 10)}-X1`,
      };
      await api.users.create.mutate({
        ...account,
        role,
        mustChangePassword: opts.mustChangePassword ?? false,
      });
      return account;
    });
  },
  pageAs: async ({ browser, stack }, use) => {
    const contexts: Awaited<ReturnType<typeof browser.newContext>>[] = [];
    await use(async (account) => {
      const token =
        account.username === "admin"
          ? stack.adminToken
          : (await signIn(stack.daemonUrl, account.username, account.password)).token;
      const context = await browser.newContext({
        baseURL: stack.consoleUrl,
        viewport: { width: 1280, height: 900 },
      });
      await context.addCookies([
        { name: SESSION_COOKIE, value: token, url: stack.consoleUrl, httpOnly: true, sameSite: "Strict" },
      ]);
      contexts.push(context);
      return context.newPage();
    });
    for (const c of contexts) await c.close();
  },
  adminPage: async ({ pageAs, stack }, use) => {
    await use(await pageAs({ username: "admin", password: stack.adminPassword }));
  },
});

/** Saves a full-page screenshot as a test artifact (the issue asks for one of each page). */
export async function screenshot(page: Page, info: TestInfo, name: string): Promise<void> {
  const path = info.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await info.attach(name, { path, contentType: "image/png" });
}

export { apiClient };
