/**
 * Kernel-client round trip: boot time and a write-then-read-back of N MiB through the Linux NFSv3
 * and CIFS clients in the test guest (e2e/clients/rig-body.ts), against NFS-Ganesha (VFS) and
 * Samba started here, and against a DittoFS server when one is named. Runs alternate between the
 * peer and the target so load changes on a shared machine hit both alike; prints each run, the
 * medians and the ratio target/peer (below 1 means DittoFS is faster).
 *
 *   npx tsx bench/rig-roundtrip.ts [--runs 3] [--mib 64] [--only nfs|smb]
 *       [--nfs PORT[:MOUNTPORT]:/export] [--smb PORT:SHARE:USER:PASSWORD[:VERS]]
 *
 * Needs root (Ganesha, Samba). The numbers include TCG emulation of the client; compare only
 * numbers from the same run.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { guestImage } from "../e2e/clients/guest.ts";
import {
  cifsRigBody,
  formatRigReport,
  type NfsServerTarget,
  nfsRigBody,
  type RigReport,
  type SmbServerTarget,
} from "../e2e/clients/rig-body.ts";
import { startGanesha } from "../e2e/peers/ganesha.ts";
import { startSamba } from "../e2e/peers/samba.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    mib: { type: "string", default: "64" },
    only: { type: "string" },
    nfs: { type: "string" },
    smb: { type: "string" },
    help: { type: "boolean", default: false },
  },
});

if (values.help) {
  console.log("usage: npx tsx bench/rig-roundtrip.ts [--runs N] [--mib M] [--only nfs|smb]");
  console.log("         [--nfs PORT[:MOUNTPORT]:/export] [--smb PORT:SHARE:USER:PASSWORD[:VERS]]");
  process.exit(0);
}

const runs = Number(values.runs);
const bytes = Number(values.mib) * 1024 * 1024;

function parseNfs(spec: string): NfsServerTarget {
  const parts = spec.split(":");
  const exportPath = parts.pop() ?? "";
  const nfsPort = Number(parts[0]);
  const mountPort = parts[1] === undefined ? nfsPort : Number(parts[1]);
  if (!exportPath.startsWith("/") || !Number.isInteger(nfsPort)) throw new Error(`bad --nfs ${spec}`);
  return { nfsPort, mountPort, exportPath };
}

function parseSmb(spec: string): SmbServerTarget {
  const [port, share, user, password, vers] = spec.split(":");
  if (share === undefined || user === undefined || password === undefined)
    throw new Error(`bad --smb ${spec}`);
  return { smbPort: Number(port), share, user, password, vers };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

function summarize(label: string, reports: RigReport[]): { roundTripMs: number } {
  const m = {
    bootMs: median(reports.map((r) => r.bootMs)),
    writeMs: median(reports.map((r) => r.writeMs)),
    readMs: median(reports.map((r) => r.readMs)),
    roundTripMs: median(reports.map((r) => r.roundTripMs)),
  };
  console.log(formatRigReport(`median ${label}`, { ...m, bytes, output: "" }));
  return m;
}

async function compare(
  proto: string,
  peerLabel: string,
  peer: () => Promise<RigReport>,
  target: (() => Promise<RigReport>) | null,
): Promise<void> {
  const peerRuns: RigReport[] = [];
  const targetRuns: RigReport[] = [];
  for (let i = 0; i < runs; i++) {
    peerRuns.push(await peer());
    console.log(formatRigReport(`${proto} ${peerLabel} run ${i + 1}`, peerRuns.at(-1) as RigReport));
    if (target === null) continue;
    targetRuns.push(await target());
    console.log(formatRigReport(`${proto} DittoFS run ${i + 1}`, targetRuns.at(-1) as RigReport));
  }
  const p = summarize(`${proto} ${peerLabel}`, peerRuns);
  if (target === null) return;
  const t = summarize(`${proto} DittoFS`, targetRuns);
  console.log(
    `${proto} round-trip ratio DittoFS/${peerLabel}: ${(t.roundTripMs / p.roundTripMs).toFixed(2)}`,
  );
}

async function benchNfs(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "dittofs-bench-rig-"));
  chmodSync(dir, 0o777);
  const ganesha = await startGanesha({ fsal: "VFS", exportPath: dir });
  try {
    const peer = { nfsPort: ganesha.nfsPort, mountPort: ganesha.mountPort, exportPath: ganesha.exportPath };
    const target = values.nfs === undefined ? null : parseNfs(values.nfs);
    await compare(
      "NFSv3",
      "Ganesha",
      () => nfsRigBody(peer, { bytes }),
      target === null ? null : () => nfsRigBody(target, { bytes }),
    );
  } finally {
    await ganesha.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchSmb(): Promise<void> {
  const password = "Bench-pw-1";
  const samba = await startSamba({ user: "dittorig", password });
  try {
    const peer = { smbPort: samba.port, share: samba.share, user: samba.user, password };
    const target = values.smb === undefined ? null : parseSmb(values.smb);
    await compare(
      "SMB3",
      "Samba",
      () => cifsRigBody(peer, { bytes }),
      target === null ? null : () => cifsRigBody(target, { bytes }),
    );
  } finally {
    await samba.stop();
  }
}

await guestImage();
if (values.only !== "smb") await benchNfs();
if (values.only !== "nfs") await benchSmb();
