/**
 * Playwright global setup: builds the console if needed and starts the stack once for the run;
 * tests find it through the environment (support/env.ts). Returns the teardown.
 */
import { join } from "node:path";
import { publishEnv } from "./support/env.ts";
import { startStack } from "./support/stack.ts";

export default async function globalSetup(): Promise<() => Promise<void>> {
  const started = Date.now();
  const stack = await startStack(join(import.meta.dirname, "..", ".."));
  publishEnv(stack.env);
  process.stdout.write(
    `console e2e: stack up in ${((Date.now() - started) / 1000).toFixed(1)} s (${stack.env.consoleUrl})\n`,
  );
  return stack.stop;
}
