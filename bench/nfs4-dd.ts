/**
 * Kernel NFS client throughput over NFSv4.1 and NFSv3: in one guest session, `dd` writes N MiB
 * (then fsync), the client remounts, and `dd` reads it back, against a DittoFS NFS server started
 * here (SQLite + fs blocks + WAL in a temp dir, in this process) and NFS-Ganesha (VFS), the four
 * combinations alternated per round so load changes hit all alike. Prints MiB/s per run and the
 * medians.
 *
 *   npx tsx bench/nfs4-dd.ts [--rounds 2] [--mib 64]
 *
 * Needs root (Ganesha). The guest runs under TCG: compare only numbers from the same run.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startNfsServer } from "../apps/daemon/src/protocols/nfs/testing/server.ts";
import { type GuestSession, startGuest } from "../e2e/clients/guest-session.ts";
import { type KernelNfsTarget, nfsScript } from "../e2e/clients/mount.ts";
import { startGanesha } from "../e2e/peers/ganesha.ts";

const { values } = parseArgs({
  options: { rounds: { type: "string", default: "2" }, mib: { type: "string", default: "64" } },
});
const rounds = Number(values.rounds);
const mib = Number(values.mib);

/** Guest commands: timed dd write (with fsync), remount, timed dd read; prints `DD write_ms= read_ms=`. */
const DD = `ms() { read up _ < /proc/uptime; echo $(( \${up%.*} * 1000 + 10\${up#*.} % 1000 * 10 )); }
t0=$(ms)
dd if=/dev/zero of=dd.bin bs=1048576 count=${mib} conv=fsync 2>/dev/null
t1=$(ms)
rig_remount
t2=$(ms)
dd if=dd.bin of=/dev/null bs=1048576 2>/dev/null
t3=$(ms)
rm dd.bin
echo "DD write_ms=$((t1 - t0)) read_ms=$((t3 - t2))"`;

async function once(guest: GuestSession, t: KernelNfsTarget): Promise<{ write: number; read: number }> {
  const r = await guest.run(nfsScript(t, DD), { timeoutMs: 600_000 });
  const m = /DD write_ms=(\d+) read_ms=(\d+)/.exec(r.output);
  if (r.exitCode !== 0 || m === null) throw new Error(`dd run failed (${r.exitCode}): ${r.output}`);
  return { write: (mib * 1000) / Number(m[1]), read: (mib * 1000) / Number(m[2]) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const dataDir = mkdtempSync(join(tmpdir(), "dittofs-bench-dd-"));
const exportDir = mkdtempSync(join(tmpdir(), "dittofs-bench-dd-ganesha-"));
chmodSync(exportDir, 0o777);
const ditto = await startNfsServer({ stores: { dataDir } });
const ganesha = await startGanesha({ fsal: "VFS", exportPath: exportDir });
const guest = await startGuest({});
try {
  const targets: Record<string, KernelNfsTarget> = {
    "DittoFS v4.1": { port: ditto.port, exportPath: "/export", vers: "4.1" },
    "DittoFS v3": { port: ditto.port, exportPath: "/export" },
    "Ganesha v4.1": { port: ganesha.nfsPort, exportPath: ganesha.exportPath, vers: "4.1" },
    "Ganesha v3": { port: ganesha.nfsPort, mountPort: ganesha.mountPort, exportPath: ganesha.exportPath },
  };
  const results: Record<string, { write: number[]; read: number[] }> = {};
  for (let i = 0; i < rounds; i++) {
    for (const [label, t] of Object.entries(targets)) {
      const r = await once(guest, t);
      const acc = results[label] ?? { write: [], read: [] };
      results[label] = acc;
      acc.write.push(r.write);
      acc.read.push(r.read);
      console.log(
        `round ${i + 1} ${label}: write ${r.write.toFixed(1)} MiB/s, read ${r.read.toFixed(1)} MiB/s`,
      );
    }
  }
  for (const [label, r] of Object.entries(results)) {
    console.log(
      `median ${label}: write ${median(r.write).toFixed(1)} MiB/s, read ${median(r.read).toFixed(1)} MiB/s`,
    );
  }
} finally {
  await guest.stop();
  await ganesha.stop();
  await ditto.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(exportDir, { recursive: true, force: true });
}
