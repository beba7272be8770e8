/**
 * Playwright for the console: Debian's Chromium (browsers cannot be downloaded here), a real
 * daemon and the console (server.ts) started by global setup on free ports, data seeded through the API.
 */
import { defineConfig, devices } from "@playwright/test";

const CI = process.env.CI !== undefined && process.env.CI !== "";

export default defineConfig({
  testDir: "./console",
  testMatch: "**/*.spec.ts",
  globalSetup: "./console/global-setup.ts",
  outputDir: "../.cache/playwright/console",
  forbidOnly: CI,
  retries: 0,
  // Two workers share the machine's two cores with the daemon and Next; more only contend.
  workers: 2,
  fullyParallel: false,
  projects: [
    {
      // Specs that create shares, stop adapters or use them run one at a time: the adapters are shared by
      // the whole run, and the daemon's SQLite metadata store failed concurrent share creation
      // ("cannot start a transaction within a transaction") when these ran side by side.
      name: "data-path",
      testMatch: [
        "shares.spec.ts",
        "stores-block.spec.ts",
        "protocols.spec.ts",
        "share-safety.spec.ts",
        "share-migration.spec.ts",
        "traffic.spec.ts",
        "lists.spec.ts",
        // Writes through the SMB adapter, which protocols.spec.ts stops and starts.
        "metrics-history.spec.ts",
      ],
      workers: 1,
    },
    {
      name: "accounts",
      testIgnore: [
        "shares.spec.ts",
        "stores-block.spec.ts",
        "protocols.spec.ts",
        "share-safety.spec.ts",
        "share-migration.spec.ts",
        "traffic.spec.ts",
        "lists.spec.ts",
        "metrics-history.spec.ts",
      ],
    },
  ],
  // Generous: the machine is shared, and a loaded CPU slows every navigation several-fold.
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: CI ? "list" : [["list"]],
  use: {
    ...devices["Desktop Chrome"],
    viewport: { width: 1280, height: 900 },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
      ],
    },
  },
});
