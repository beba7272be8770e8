/** `daemon.name` of the suite's daemon (the console header, dashboard and clients list show it). */
export const DAEMON_NAME = "console-e2e-daemon";

/** What global setup started, handed to the test workers through the environment. */
export interface StackEnv {
  consoleUrl: string;
  daemonUrl: string;
  adminPassword: string;
  /** A session of the first admin, shared by the tests' API clients and admin pages. */
  adminToken: string;
  s3Endpoint: string;
  pgUrl: string;
  dataDir: string;
}

const KEY = "DITTOFS_CONSOLE_E2E";

export function publishEnv(env: StackEnv): void {
  process.env[KEY] = JSON.stringify(env);
}

export function stackEnv(): StackEnv {
  const raw = process.env[KEY];
  if (raw === undefined)
    throw new Error(
      `${KEY} is not set: run through e2e/playwright.config.ts (its global setup starts the stack)`,
    );
  return JSON.parse(raw) as StackEnv;
}
