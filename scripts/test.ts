/**
 * `npm test`: installs missing Debian packages (as root, one apt call), then runs every suite —
 * unit/integration and real-client tests (Vitest) and the console's Playwright flows — and ends
 * with one plain line `N passed, N failed` that CI reads. Exit status is non-zero when anything
 * failed or a runner could not run. Extra arguments are passed to Vitest (e.g. a file filter),
 * and then Playwright is skipped.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ensureSystemPackages } from "./system-deps.ts";

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
  ok: boolean;
}

const root = join(import.meta.dirname, "..");
const cacheDir = join(root, ".cache");
mkdirSync(cacheDir, { recursive: true });

function runVitest(args: string[]): Tally {
  const out = join(cacheDir, "vitest-results.json");
  rmSync(out, { force: true });
  const r = spawnSync(
    "npx",
    ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`, ...args],
    { cwd: root, stdio: "inherit", env: process.env },
  );
  if (!existsSync(out)) return { passed: 0, failed: 1, skipped: 0, ok: false };
  const j = JSON.parse(readFileSync(out, "utf8")) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
    numFailedTestSuites: number;
  };
  const failed = j.numFailedTests + (j.numFailedTests === 0 ? j.numFailedTestSuites : 0);
  return {
    passed: j.numPassedTests,
    failed,
    skipped: j.numPendingTests + j.numTodoTests,
    ok: r.status === 0 && failed === 0,
  };
}

interface PwSuite {
  specs?: { tests?: { results?: { status: string }[]; status?: string }[] }[];
  suites?: PwSuite[];
}

function countPlaywright(s: PwSuite, t: Tally): void {
  for (const spec of s.specs ?? []) {
    for (const test of spec.tests ?? []) {
      const last = test.results?.at(-1)?.status;
      if (test.status === "skipped" || last === "skipped") t.skipped++;
      else if (test.status === "expected" || test.status === "flaky") t.passed++;
      else t.failed++;
    }
  }
  for (const child of s.suites ?? []) countPlaywright(child, t);
}

function runPlaywright(): Tally | null {
  const config = join(root, "e2e", "playwright.config.ts");
  if (!existsSync(config)) return null;
  const out = join(cacheDir, "playwright-results.json");
  rmSync(out, { force: true });
  const r = spawnSync("npx", ["playwright", "test", "-c", config, "--reporter=list,json"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: out },
  });
  const t: Tally = { passed: 0, failed: 0, skipped: 0, ok: r.status === 0 };
  if (!existsSync(out)) return { ...t, failed: 1, ok: false };
  const j = JSON.parse(readFileSync(out, "utf8")) as { suites: PwSuite[]; errors?: unknown[] };
  for (const s of j.suites) countPlaywright(s, t);
  if ((j.errors?.length ?? 0) > 0 && t.failed === 0) t.failed = 1;
  return t;
}

function main(): void {
  const started = Date.now();
  ensureSystemPackages();
  const args = process.argv.slice(2);
  const tallies: Tally[] = [runVitest(args)];
  if (args.length === 0) {
    const pw = runPlaywright();
    if (pw !== null) tallies.push(pw);
  }
  const sum = tallies.reduce((a, b) => ({
    passed: a.passed + b.passed,
    failed: a.failed + b.failed,
    skipped: a.skipped + b.skipped,
    ok: a.ok && b.ok,
  }));
  const failed = sum.ok ? sum.failed : Math.max(sum.failed, 1);
  console.log(`\ntotal time ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(`${sum.passed} passed, ${failed} failed, ${sum.skipped} skipped`);
  process.exit(failed === 0 ? 0 : 1);
}

main();
