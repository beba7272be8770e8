/**
 * SMB benchmark: the same smbclient transfer (put then get of one file, default 256 MiB) against
 * DittoFS (fs block store + WAL, like a disk-backed server) and against Samba (Debian smbd on a
 * loopback port) in one run, same client, same machine. Prints MiB/s per server and direction and
 * the ratio DittoFS/Samba (above 1.0: DittoFS is faster). Every get is checked against the source.
 *
 *   npx tsx bench/smb.ts [--mib 256] [--rounds 3] [--protocol SMB3_11] [--signing off|required]
 */
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { ALICE, startSmbHarness } from "../apps/daemon/src/protocols/smb/testing/harness.ts";
import { startSamba } from "../e2e/peers/samba.ts";

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    mib: { type: "string", default: "256" },
    rounds: { type: "string", default: "3" },
    protocol: { type: "string", default: "SMB3_11" },
    signing: { type: "string", default: "off" },
  },
});
const mib = Number(values.mib);
const rounds = Number(values.rounds);

interface Target {
  name: string;
  port: number;
  share: string;
  user: string;
  password: string;
}

async function sha256(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

async function smbclient(t: Target, cmd: string, cwd: string): Promise<number> {
  const opts = [
    `client min protocol=${values.protocol}`,
    `client max protocol=${values.protocol}`,
    `client signing=${values.signing}`,
  ];
  const args = [
    `//127.0.0.1/${t.share}`,
    "-p",
    String(t.port),
    "-U",
    `${t.user}%${t.password}`,
    ...opts.flatMap((o) => ["--option", o]),
    "-c",
    cmd,
  ];
  const t0 = performance.now();
  await run("smbclient", args, { cwd, timeout: 600_000 });
  return performance.now() - t0;
}

async function measure(t: Target, work: string, sum: string): Promise<{ putMiBs: number; getMiBs: number }> {
  let bestPut = Number.POSITIVE_INFINITY;
  let bestGet = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    bestPut = Math.min(bestPut, await smbclient(t, `put src.bin bench-${r}.bin`, work));
    const out = `got-${t.name}-${r}.bin`;
    bestGet = Math.min(bestGet, await smbclient(t, `get bench-${r}.bin ${out}`, work));
    if ((await sha256(join(work, out))) !== sum)
      throw new Error(`${t.name}: get ${r} differs from the source`);
    rmSync(join(work, out));
    await smbclient(t, `rm bench-${r}.bin`, work);
  }
  return { putMiBs: (mib * 1000) / bestPut, getMiBs: (mib * 1000) / bestGet };
}

const work = mkdtempSync(join(tmpdir(), "dittofs-bench-smb-"));
const src = join(work, "src.bin");
writeFileSync(src, randomBytes(mib * 1024 * 1024));
const sum = await sha256(src);
const ditto = await startSmbHarness({ wal: true });
const password = `Bench-${randomBytes(6).toString("hex")}`;
const samba = await startSamba({ user: "smbbench", password, share: "export" });
try {
  const results = {
    dittofs: await measure(
      { name: "dittofs", port: ditto.port, share: "export", user: ALICE.user, password: ALICE.password },
      work,
      sum,
    ),
    samba: await measure(
      { name: "samba", port: samba.port, share: samba.share, user: "smbbench", password },
      work,
      sum,
    ),
  };
  console.log(
    JSON.stringify({
      bench: "smbclient",
      mib,
      rounds,
      protocol: values.protocol,
      signing: values.signing,
      ...results,
    }),
  );
  const f = (x: number) => x.toFixed(1);
  console.log(
    `put: DittoFS ${f(results.dittofs.putMiBs)} MiB/s, Samba ${f(results.samba.putMiBs)} MiB/s, ratio ${(results.dittofs.putMiBs / results.samba.putMiBs).toFixed(2)}`,
  );
  console.log(
    `get: DittoFS ${f(results.dittofs.getMiBs)} MiB/s, Samba ${f(results.samba.getMiBs)} MiB/s, ratio ${(results.dittofs.getMiBs / results.samba.getMiBs).toFixed(2)}`,
  );
} finally {
  await samba.stop();
  await ditto.stop();
  rmSync(work, { recursive: true, force: true });
}
