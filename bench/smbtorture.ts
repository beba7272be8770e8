/**
 * smbtorture side by side: every smb2 suite issue 15 names, run against DittoFS (the SMB test
 * harness, a fresh share per suite) and against Samba 4.17 (e2e/peers/samba.ts: a fresh smbd
 * with its default share, streams_xattr, per suite) in the same run, same client, same machine.
 * Prints one JSON line per suite and server as it finishes, then a table of pass/fail/skip per
 * suite for both and the totals, with the 1-minute load average at start and end. A suite that
 * outlives its cap is killed and its counts are what it printed until then ("capped").
 *
 *   npx tsx bench/smbtorture.ts [--seconds 120] [--jobs 2] [--suites smb2.connect,smb2.read]
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { shareInfo } from "../apps/daemon/src/protocols/smb/testing/context.ts";
import { ALICE, startSmbHarness } from "../apps/daemon/src/protocols/smb/testing/harness.ts";
import { startSamba } from "../e2e/peers/samba.ts";

/** The suites of issue 15's "Done when", in its order. */
const ISSUE_SUITES = [
  "connect",
  "read",
  "rw",
  "dir",
  "create",
  "getinfo",
  "setinfo",
  "lock",
  "ioctl",
  "lease",
  "oplock",
  "durable-open",
  "durable-v2-open",
  "compound",
  "compound_find",
  "session",
  "rename",
  "notify",
  "streams",
  "timestamps",
  "credits",
  "sharemode",
  "delete-on-close-perms",
  "ea",
  "tcon",
  "mkdir",
  "maximum_allowed",
  "acls",
  "dosmode",
  "charset",
  "fileid",
  "deny",
  "replay",
].map((s) => `smb2.${s}`);

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "120" },
    jobs: { type: "string", default: "2" },
    suites: { type: "string" },
  },
});
/** smbtorture's --maximum-runtime per suite; the process is killed SUITE_GRACE_SECONDS later. */
const capSeconds = Number(values.seconds);
const SUITE_GRACE_SECONDS = 30;
const jobs = Math.max(1, Number(values.jobs));
const suites = values.suites ? values.suites.split(",") : ISSUE_SUITES;

interface Counts {
  pass: number;
  fail: number;
  skip: number;
  capped: boolean;
}

interface Target {
  port: number;
  share: string;
  user: string;
  password: string;
}

function count(output: string, kind: string): number {
  return [...output.matchAll(new RegExp(`^${kind}: `, "gm"))].length;
}

function smbtorture(t: Target, suite: string, cwd: string): Promise<Counts> {
  const args = [`//127.0.0.1/${t.share}`, "-p", String(t.port), "-U", `${t.user}%${t.password}`];
  args.push("--target=samba3", `--maximum-runtime=${capSeconds}`, suite);
  const timeout = (capSeconds + SUITE_GRACE_SECONDS) * 1000;
  return new Promise((resolve) => {
    execFile(
      "smbtorture",
      args,
      { cwd, timeout, killSignal: "SIGKILL", maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const out = `${stdout}${stderr}`;
        const capped = (err as { killed?: boolean } | null)?.killed === true;
        // smbtorture reports a suite-level error (a setup failure) as "error:".
        const fail = count(out, "failure") + count(out, "error");
        resolve({ pass: count(out, "success"), fail, skip: count(out, "skip"), capped });
      },
    );
  });
}

/** Runs `fn` over `items` with at most `n` at a time, results in order. */
async function pool<T, R>(
  items: readonly T[],
  n: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!, i);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

const SAMBA_USER = "smbtorture";
const SAMBA_PASSWORD = "Torture-Pw-1";

const loadStart = loadavg()[0]!;
const scratch = mkdtempSync(join(tmpdir(), "smbtorture-bench-"));
const h = await startSmbHarness({ shares: [] });

async function onDittofs(suite: string, i: number): Promise<Counts> {
  const share = `torture${i}`;
  await h.addShare(shareInfo(`/${share}`));
  const t = { port: h.port, share, user: ALICE.user, password: ALICE.password };
  const r = await smbtorture(t, suite, mkdtempSync(join(scratch, "d-")));
  console.log(JSON.stringify({ server: "dittofs", suite, ...r }));
  return r;
}

async function onSamba(suite: string): Promise<Counts> {
  const samba = await startSamba({ user: SAMBA_USER, password: SAMBA_PASSWORD, share: "export" });
  try {
    const t = { port: samba.port, share: samba.share, user: SAMBA_USER, password: SAMBA_PASSWORD };
    const r = await smbtorture(t, suite, mkdtempSync(join(scratch, "s-")));
    console.log(JSON.stringify({ server: "samba", suite, ...r }));
    return r;
  } finally {
    await samba.stop();
  }
}

try {
  // Both servers at once, suite by suite: each sees the same machine load.
  const rows = await pool(suites, jobs, async (suite, i) => {
    const [d, s] = await Promise.all([onDittofs(suite, i), onSamba(suite)]);
    return { suite, d, s };
  });
  const cell = (c: Counts) => `${c.pass}/${c.fail}/${c.skip}${c.capped ? " capped" : ""}`;
  console.log(`\nsmbtorture --target=samba3, cap ${capSeconds} s per suite; pass/fail/skip`);
  console.log("| suite | DittoFS | Samba 4.17 |");
  console.log("|---|---|---|");
  for (const r of rows) console.log(`| ${r.suite} | ${cell(r.d)} | ${cell(r.s)} |`);
  const sum = (pick: (r: (typeof rows)[number]) => Counts) =>
    rows.reduce(
      (a, r) => ({
        pass: a.pass + pick(r).pass,
        fail: a.fail + pick(r).fail,
        skip: a.skip + pick(r).skip,
        capped: a.capped || pick(r).capped,
      }),
      { pass: 0, fail: 0, skip: 0, capped: false },
    );
  console.log(`| total | ${cell(sum((r) => r.d))} | ${cell(sum((r) => r.s))} |`);
  console.log(`load average (1 min): ${loadStart.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end`);
} finally {
  await h.stop();
  rmSync(scratch, { recursive: true, force: true });
}
