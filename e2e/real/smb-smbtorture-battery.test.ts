/**
 * The extended smbtorture battery (Debian samba-testsuite 4.17, --target=samba3): the smb2 suites
 * of issue 15 that smb-smbtorture.test.ts does not run, each on a fresh share from a scratch
 * directory, at most BATTERY_SUITE_SECONDS each. The outcome must match
 * smbtorture-battery-known.ts exactly: a failure not listed there fails this test, and so does a
 * listed test that passes (the list is kept honest: remove the entry when a fix lands).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shareInfo } from "../../apps/daemon/src/protocols/smb/testing/context.ts";
import {
  ALICE,
  type SmbHarness,
  startSmbHarness,
} from "../../apps/daemon/src/protocols/smb/testing/harness.ts";
import { BATTERY_KNOWN_FAILURES, BATTERY_SUITES } from "./smbtorture-battery-known.ts";

/** smbtorture's own --maximum-runtime per suite; a suite cut short reports what it ran. */
const BATTERY_SUITE_SECONDS = 120;

interface Outcome {
  passed: string[];
  failed: string[];
  skipped: string[];
  output: string;
}

function parse(suite: string, output: string): Outcome {
  const pick = (kind: string) =>
    [...output.matchAll(new RegExp(`^${kind}: (.+?)(?: \\[)?$`, "gm"))].map(
      (m) => `${suite}.${m[1]!.trim()}`,
    );
  return {
    passed: pick("success"),
    failed: [...pick("failure"), ...pick("error")],
    skipped: pick("skip"),
    output,
  };
}

function smbtorture(port: number, share: string, suite: string, cwd: string): Promise<Outcome> {
  const args = [`//127.0.0.1/${share}`, "-p", String(port), "-U", `${ALICE.user}%${ALICE.password}`];
  args.push("--target=samba3", `--maximum-runtime=${BATTERY_SUITE_SECONDS}`, suite);
  return new Promise((resolve) => {
    execFile(
      "smbtorture",
      args,
      { cwd, timeout: (BATTERY_SUITE_SECONDS + 30) * 1000, killSignal: "SIGKILL", maxBuffer: 64 << 20 },
      (_err, stdout, stderr) => resolve(parse(suite, `${stdout}${stderr}`)),
    );
  });
}

describe("smbtorture battery against DittoFS SMB", () => {
  let h: SmbHarness;
  let scratch: string;

  beforeAll(async () => {
    h = await startSmbHarness({ shares: [] });
    scratch = mkdtempSync(join(tmpdir(), "smbtorture-battery-"));
  });
  afterAll(async () => {
    await h?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it.concurrent.each(BATTERY_SUITES.map((s, i) => [s, i] as const))(
    "%s matches the known-failure list",
    async (suite, i) => {
      const share = `battery${i}`;
      await h.addShare(shareInfo(`/${share}`));
      const r = await smbtorture(h.port, share, suite, mkdtempSync(join(scratch, `${suite}-`)));
      const known = (name: string) => name in BATTERY_KNOWN_FAILURES;
      const unexpected = r.failed.filter((n) => !known(n));
      const nowPassing = r.passed.filter(known);
      console.log(
        `${suite}: ${r.passed.length} passed, ${r.failed.length} failed (${r.failed.length - unexpected.length} known), ${r.skipped.length} skipped`,
      );
      expect({ unexpected, nowPassing }, r.output.slice(-4000)).toEqual({ unexpected: [], nowPassing: [] });
      expect(r.passed.length + r.failed.length + r.skipped.length, r.output.slice(-4000)).toBeGreaterThan(0);
    },
    (BATTERY_SUITE_SECONDS + 60) * 1000,
  );
});
