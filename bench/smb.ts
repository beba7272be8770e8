/**
 * SMB benchmark: the same smbclient transfer (put then get of one file, default 256 MiB) against
 * DittoFS (fs block store + WAL, like a disk-backed server) and against Samba (Debian smbd on a
 * loopback port) in one run, same client, same machine, rounds interleaved between the servers.
 * Prints one JSON line per round (MiB/s per server and direction, the 1-minute load average),
 * then per direction the range over the rounds and the range of the per-round ratio DittoFS/Samba
 * (above 1.0: DittoFS is faster). Every get is checked against the source.
 *
 *   npx tsx bench/smb.ts [--mib 256] [--rounds 3] [--protocol SMB3_11] [--signing off|required]
 */
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
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

/** One put and one get of `src.bin` (checked against the source); the seconds of each. */
async function transfer(
  t: Target,
  work: string,
  sum: string,
  r: number,
): Promise<{ put: number; get: number }> {
  const put = await smbclient(t, `put src.bin bench-${r}.bin`, work);
  const out = `got-${t.name}-${r}.bin`;
  const get = await smbclient(t, `get bench-${r}.bin ${out}`, work);
  if ((await sha256(join(work, out))) !== sum) throw new Error(`${t.name}: get ${r} differs from the source`);
  rmSync(join(work, out));
  await smbclient(t, `rm bench-${r}.bin`, work);
  return { put: put / 1000, get: get / 1000 };
}

type Round = { putMiBs: number; getMiBs: number };

const range = (xs: number[], digits = 1) =>
  `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;

const work = mkdtempSync(join(tmpdir(), "dittofs-bench-smb-"));
const src = join(work, "src.bin");
writeFileSync(src, randomBytes(mib * 1024 * 1024));
const sum = await sha256(src);
const ditto = await startSmbHarness({ wal: true });
const password = `Bench-${randomBytes(6).toString("hex")}`;
const samba = await startSamba({ user: "smbbench", password, share: "export" });
try {
  const dittoT = {
    name: "dittofs",
    port: ditto.port,
    share: "export",
    user: ALICE.user,
    password: ALICE.password,
  };
  const sambaT = { name: "samba", port: samba.port, share: samba.share, user: "smbbench", password };
  // Rounds interleaved (DittoFS, Samba, DittoFS, …): on a shared machine both see the same load.
  const rows: { dittofs: Round; samba: Round; load: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    const load = loadavg()[0]!;
    const d = await transfer(dittoT, work, sum, r);
    const g = await transfer(sambaT, work, sum, r);
    const row = {
      dittofs: { putMiBs: mib / d.put, getMiBs: mib / d.get },
      samba: { putMiBs: mib / g.put, getMiBs: mib / g.get },
      load,
    };
    rows.push(row);
    console.log(JSON.stringify({ bench: "smbclient", round: r + 1, mib, protocol: values.protocol, ...row }));
  }
  console.log(
    `${rounds} interleaved rounds, ${values.protocol}, signing ${values.signing}, load ${range(rows.map((x) => x.load))}:`,
  );
  for (const dir of ["putMiBs", "getMiBs"] as const) {
    const d = rows.map((x) => x.dittofs[dir]);
    const g = rows.map((x) => x.samba[dir]);
    const ratios = rows.map((x) => x.dittofs[dir] / x.samba[dir]);
    console.log(
      `${dir === "putMiBs" ? "put" : "get"}: DittoFS ${range(d)} MiB/s, Samba ${range(g)} MiB/s, ratio ${range(ratios, 2)}`,
    );
  }
} finally {
  await samba.stop();
  await ditto.stop();
  rmSync(work, { recursive: true, force: true });
}
