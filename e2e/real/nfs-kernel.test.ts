/**
 * The Linux kernel NFSv3 client (in the qemu guest of e2e/clients) against the DittoFS NFS adapter
 * on persistent stores (SQLite metadata, fs blocks, WAL), in one guest boot: the rig body (64 MiB
 * write/read/compare after a remount), then the list: mkdir -p of a deep tree, rename,
 * hard link and symlink, chmod/chown as root, `ls -l` of 1,000 entries, rm -rf. Then the guest
 * unmounts and asks the host (a file on the 9p share) to restart the server on the same data
 * directory and port; once told it is back, it mounts again and finds the files.
 */
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NfsServer, startNfsServer } from "../../apps/daemon/src/protocols/nfs/testing/server.ts";
import { guestImage } from "../clients/guest.ts";
import { RESTART_ASK_FILE, RESTART_DONE_FILE, RESTART_HANDSHAKE, withKernelNfs } from "../clients/mount.ts";
import { rigBodyCommands } from "../clients/rig-body.ts";

const ROUND_TRIP_BYTES = 64 * 1024 * 1024;
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
  let shareDir: string;
  let server: NfsServer;

  beforeAll(async () => {
    await guestImage();
    dir = mkdtempSync(join(tmpdir(), "dittofs-kernel-nfs-"));
    shareDir = mkdtempSync(join(tmpdir(), "dittofs-kernel-share-"));
    chmodSync(shareDir, 0o777);
    server = await startNfsServer({ stores: { dataDir: dir } });
  });

  afterAll(async () => {
    await server?.stop();
    for (const d of [dir, shareDir]) if (d !== undefined) rmSync(d, { recursive: true, force: true });
  });

  /** Host side: when the guest asks, restart the server on the same directory and port. */
  async function restartWhenAsked(done: { value: boolean }): Promise<void> {
    while (!done.value && !existsSync(join(shareDir, RESTART_ASK_FILE))) await sleep(100);
    if (done.value) return;
    const port = server.port;
    await server.stop();
    server = await startNfsServer({ stores: { dataDir: dir }, port });
    writeFileSync(join(shareDir, RESTART_DONE_FILE), "yes\n");
  }

  it("round trip, the file-operation list, and the files again after a server restart", async () => {
    const token = `k-${randomBytes(6).toString("hex")}`;
    const data = randomBytes(ROUND_TRIP_BYTES);
    writeFileSync(join(shareDir, "data"), data);
    const md5 = createHash("md5").update(data).digest("hex");
    const commands = [
      rigBodyCommands(token, ROUND_TRIP_BYTES, md5),
      listCommands(token),
      RESTART_HANDSHAKE,
      afterRestartCommands(token),
    ].join("\n");
    const done = { value: false };
    const restarter = restartWhenAsked(done);
    const port = server.port;
    const r = await withKernelNfs({ port, mountPort: port, exportPath: "/export" }, commands, {
      shareDir,
      timeoutMs: 240_000,
    }).finally(() => {
      done.value = true;
    });
    await restarter;
    const rig = /^RIG write_ms=(\d+) read_ms=(\d+)$/m.exec(r.output);
    console.log(
      `kernel NFSv3 → DittoFS (sqlite+fs+WAL): boot ${r.bootMs} ms; 64 MiB write ${rig?.[1]} ms, read ${rig?.[2]} ms`,
    );
    expect(r.output).toContain("LIST OK");
    expect(r.output).toContain("RESTART OK");
    expect(r.exitCode, r.output).toBe(0);
    expect(existsSync(join(shareDir, RESTART_DONE_FILE))).toBe(true);
  });
});
