/**
 * SMB benchmark: the same smbclient transfer (put then get of one file, default 256 MiB) against
 * DittoFS (fs block store + WAL, like a disk-backed server) and against Samba (Debian smbd on a
 * loopback port) in one run, same client, same machine, rounds interleaved between the servers.
 * Prints one JSON line per round (MiB/s per server and direction, the 1-minute load average),
 * then per direction the range over the rounds and the range of the per-round ratio DittoFS/Samba
 * (above 1.0: DittoFS is faster). Every get is checked against the source. DittoFS runs in this
 * process, so each round also reports its server CPU seconds per direction and the RSS after it.
 * `--profile DIR`: each direction whose median ratio is below 1.0 runs once more under the V8
 * profiler (node:inspector); the .cpuprofile goes to DIR and its summary is printed.
 *
 * What a get measures besides the server: smbclient writes the file it gets, and on this 2-core VM
 * that local write (0.2-1.2 s of smbclient system CPU per 256 MiB, for either server) is most of a
 * loaded machine's get. `--sink null` gets into /dev/null (no check against the source), which
 * times the server's side alone. After an SMB CLOSE DittoFS publishes the sealed blocks in the
 * background (docs/payload.md "CLOSE"), as the kernel writes back Samba's dirty pages later, so a
 * get right after the put overlaps that publish: each round reports the DittoFS MiB still dirty or
 * uploading when its get starts (`pendingMiB`), and `--pause S` waits S seconds after each put.
 *
 *   npx tsx bench/smb.ts [--mib 256] [--rounds 3] [--protocol SMB3_11] [--signing off|required]
 *     [--sink file|null] [--pause S] [--profile DIR]
 */
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
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
    profile: { type: "string" },
    sink: { type: "string", default: "file" },
    pause: { type: "string", default: "0" },
  },
});
const mib = Number(values.mib);
const rounds = Number(values.rounds);
const toNull = values.sink === "null";
const pauseMs = Number(values.pause) * 1000;

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
/** This process's CPU seconds (DittoFS's server; smbclient runs in a child). */
const cpuS = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function transfer(
  t: Target,
  work: string,
  sum: string,
  r: number,
  pending: () => number,
): Promise<{ put: number; get: number; putCpuS: number; getCpuS: number; pendingMiB: number }> {
  const c0 = cpuS();
  const put = await smbclient(t, `put src.bin bench-${r}.bin`, work);
  if (pauseMs > 0) await new Promise((res) => setTimeout(res, pauseMs));
  const pendingMiB = pending();
  const c1 = cpuS();
  const out = toNull ? "/dev/null" : `got-${t.name}-${r}.bin`;
  const get = await smbclient(t, `get bench-${r}.bin ${out}`, work);
  const c2 = cpuS();
  if (!toNull) {
    if ((await sha256(join(work, out))) !== sum)
      throw new Error(`${t.name}: get ${r} differs from the source`);
    rmSync(join(work, out));
  }
  await smbclient(t, `rm bench-${r}.bin`, work);
  return { put: put / 1000, get: get / 1000, putCpuS: c1 - c0, getCpuS: c2 - c1, pendingMiB };
}

/** One more put or get against DittoFS under the V8 profiler; writes DIR/smb-<dir>.cpuprofile. */
async function profileDirection(t: Target, work: string, dir: "put" | "get", outDir: string): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  if (dir === "get") await smbclient(t, "put src.bin profile.bin", work);
  await session.post("Profiler.start");
  await smbclient(t, dir === "put" ? "put src.bin profile.bin" : "get profile.bin got-profile.bin", work);
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();
  await smbclient(t, "rm profile.bin", work);
  mkdirSync(outDir, { recursive: true });
  const file = join(resolve(outDir), `smb-${dir}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  const here = import.meta.dirname;
  const { stdout } = await run("npx", ["tsx", join(here, "profile-summary.ts"), file, "25"]);
  console.log(`profile of the smbclient ${dir} (ratio below 1.0), this process: ${file}\n${stdout}`);
}

type Round = { putMiBs: number; getMiBs: number };
type DittoRound = Round & { putCpuS: number; getCpuS: number; rssMiB: number; pendingMiB: number };

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
  const rows: { dittofs: DittoRound; samba: Round; load: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    const load = loadavg()[0]!;
    const d = await transfer(dittoT, work, sum, r, () => {
      const { cache } = ditto.payload.stats();
      return Math.round((cache.dirtyBytes + cache.uploadingBytes) / 2 ** 20);
    });
    const g = await transfer(sambaT, work, sum, r, () => 0);
    const mem = process.memoryUsage();
    const row = {
      dittofs: {
        putMiBs: mib / d.put,
        getMiBs: mib / d.get,
        putCpuS: d.putCpuS,
        getCpuS: d.getCpuS,
        rssMiB: mem.rss / 2 ** 20,
        pendingMiB: d.pendingMiB,
      },
      samba: { putMiBs: mib / g.put, getMiBs: mib / g.get },
      load,
    };
    rows.push(row);
    console.log(JSON.stringify({ bench: "smbclient", round: r + 1, mib, protocol: values.protocol, ...row }));
  }
  console.log(
    `${rounds} interleaved rounds, ${values.protocol}, signing ${values.signing}, get into ${toNull ? "/dev/null" : "a file"}, pause ${values.pause} s, load ${range(rows.map((x) => x.load))}:`,
  );
  const slow: ("put" | "get")[] = [];
  for (const dir of ["putMiBs", "getMiBs"] as const) {
    const d = rows.map((x) => x.dittofs[dir]);
    const g = rows.map((x) => x.samba[dir]);
    const ratios = rows.map((x) => x.dittofs[dir] / x.samba[dir]);
    const name = dir === "putMiBs" ? "put" : "get";
    const cpu = rows.map((x) => (name === "put" ? x.dittofs.putCpuS : x.dittofs.getCpuS) * (1024 / mib));
    if ([...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)]! < 1) slow.push(name);
    console.log(
      `${name}: DittoFS ${range(d)} MiB/s, Samba ${range(g)} MiB/s, ratio ${range(ratios, 2)}; DittoFS server CPU ${range(cpu, 2)} s per GiB`,
    );
  }
  console.log(
    `DittoFS RSS after the rounds: ${range(
      rows.map((x) => x.dittofs.rssMiB),
      0,
    )} MiB`,
  );
  if (values.profile !== undefined)
    for (const dir of slow) await profileDirection(dittoT, work, dir, values.profile);
} finally {
  await samba.stop();
  await ditto.stop();
  rmSync(work, { recursive: true, force: true });
}
