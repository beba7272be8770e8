/**
 * The Linux kernel NFSv3 client (in the qemu guest of e2e/clients) against the DittoFS NFS adapter
 * on persistent stores (SQLite metadata, fs blocks, WAL). Boot 1 runs the rig body (64 MiB
 * write/read/compare after a remount) and then the list: mkdir -p of a deep tree, rename,
 * hard link and symlink, chmod/chown as root, `ls -l` of 1,000 entries, rm -rf. The server then
 * restarts on the same data directory and boot 2 mounts again and finds the files.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NfsServer, startNfsServer } from "../../apps/daemon/src/protocols/nfs/testing/server.ts";
import { guestImage } from "../clients/guest.ts";
import { withKernelNfs } from "../clients/mount.ts";
import { formatRigReport, nfsRigBody } from "../clients/rig-body.ts";

const DEEP = Array.from({ length: 24 }, (_, i) => `d${i}`).join("/");
const ENTRIES = 1000;

/** Guest commands after the rig body, in the mount point under `set -e`. */
function listCommands(token: string): string {
  return `
mkdir -p ${DEEP}
[ -d ${DEEP} ]
echo ${token} > ${DEEP}/leaf.txt
mkdir persist
echo ${token} > persist/keep.txt
mv persist/keep.txt persist/renamed.txt
[ ! -e persist/keep.txt ]
ln persist/renamed.txt persist/hard.txt
[ "$(stat -c %h persist/renamed.txt)" = 2 ] || { echo "nlink $(stat -c %h persist/renamed.txt)"; exit 1; }
[ "$(stat -c %i persist/renamed.txt)" = "$(stat -c %i persist/hard.txt)" ]
ln -s renamed.txt persist/soft
[ "$(readlink persist/soft)" = renamed.txt ]
[ "$(cat persist/soft)" = ${token} ]
chmod 0640 persist/renamed.txt
chown 1234:5678 persist/renamed.txt
[ "$(stat -c %a:%u:%g persist/renamed.txt)" = 640:1234:5678 ] || { stat persist/renamed.txt; exit 1; }
mkdir many
cd many
i=0
while [ $i -lt ${ENTRIES} ]; do : > f$i; i=$((i + 1)); done
cd ..
n=$(ls -l many | grep -c '^-')
[ "$n" = ${ENTRIES} ] || { echo "ls -l saw $n entries"; exit 1; }
[ "$(ls many | wc -l)" = ${ENTRIES} ]
rm -rf many d0
[ ! -e many ] && [ ! -e d0 ]
mkdir -p ${DEEP}
echo ${token} > ${DEEP}/leaf.txt
echo "LIST OK"
`;
}

function afterRestartCommands(token: string): string {
  return `
[ "$(cat persist/renamed.txt)" = ${token} ] || { echo "renamed.txt: $(cat persist/renamed.txt)"; exit 1; }
[ "$(cat persist/hard.txt)" = ${token} ]
[ "$(readlink persist/soft)" = renamed.txt ]
[ "$(stat -c %h:%a:%u:%g persist/renamed.txt)" = 2:640:1234:5678 ]
[ "$(cat ${DEEP}/leaf.txt)" = ${token} ]
rm -rf persist d0
[ -z "$(ls)" ] || { echo "left: $(ls)"; exit 1; }
echo "RESTART OK"
`;
}

describe("kernel NFSv3 client against DittoFS (persistent stores)", () => {
  let dir: string;
  let server: NfsServer;

  beforeAll(async () => {
    await guestImage();
    dir = mkdtempSync(join(tmpdir(), "dittofs-kernel-nfs-"));
    server = await startNfsServer({ stores: { dataDir: dir } });
  });

  afterAll(async () => {
    await server?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("runs the rig body and the file-operation list, then sees the files after a restart", async () => {
    const token = `k-${randomBytes(6).toString("hex")}`;
    const report = await nfsRigBody(
      { nfsPort: server.port, mountPort: server.port, exportPath: "/export" },
      { afterCommands: listCommands(token), guest: { timeoutMs: 240_000 } },
    );
    console.log(formatRigReport("kernel NFSv3 → DittoFS (sqlite+fs+WAL)", report));
    expect(report.output).toContain("LIST OK");

    await server.stop();
    server = await startNfsServer({ stores: { dataDir: dir } });
    const r = await withKernelNfs(
      { port: server.port, mountPort: server.port, exportPath: "/export" },
      afterRestartCommands(token),
      { timeoutMs: 120_000 },
    );
    expect(r.output).toContain("RESTART OK");
    expect(r.exitCode).toBe(0);
  });
});
