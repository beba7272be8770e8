/**
 * Server-side copy through the Linux kernel CIFS client (qemu guest): the host's GNU cp (coreutils
 * 9, copy_file_range) copies a file inside the mount; the client turns that into
 * FSCTL_SRV_REQUEST_RESUME_KEY + FSCTL_SRV_COPYCHUNK_WRITE ([MS-SMB2] §3.3.5.15.6), so the guest's
 * network counters move by a few KiB for 32 MiB copied, and the copy reads back byte-identical
 * after a remount.
 */
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ALICE,
  type SmbHarness,
  startSmbHarness,
} from "../../apps/daemon/src/protocols/smb/testing/harness.ts";
import { hostProgramCommand, stageHostProgram } from "../clients/host-program.ts";
import { withKernelCifs } from "../clients/mount.ts";

const CP = "/usr/bin/cp";
const STAGE = "coreutils";
const BYTES = 32 * 1024 * 1024;
/** What the copy may move over the guest's network, both ways: requests and replies, no data. */
const MAX_COPY_WIRE_BYTES = 256 * 1024;

const counters = (v: string) =>
  `${v}rx=$(cat /sys/class/net/eth0/statistics/rx_bytes); ${v}tx=$(cat /sys/class/net/eth0/statistics/tx_bytes)`;

describe("kernel CIFS server-side copy against DittoFS SMB", () => {
  let h: SmbHarness;

  beforeAll(async () => {
    h = await startSmbHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("cp inside the mount copies on the server: the data never crosses the wire", async () => {
    const data = randomBytes(BYTES);
    const md5 = createHash("md5").update(data).digest("hex");
    const shareDir = mkdtempSync(join(tmpdir(), "smb-cifs-copy-"));
    chmodSync(shareDir, 0o755);
    writeFileSync(join(shareDir, "data"), data);
    stageHostProgram(shareDir, CP, STAGE);
    const body = `cp /share/data src.bin
rig_remount
${counters("a")}
${hostProgramCommand(CP, STAGE)} src.bin dst.bin
${counters("b")}
echo "COPY rx=$((brx - arx)) tx=$((btx - atx))"
rig_remount
sum=$(md5sum dst.bin)
[ "\${sum%% *}" = ${md5} ] || { echo "copy MD5 mismatch: \${sum%% *}"; exit 1; }
rm src.bin dst.bin
echo COPY_OK`;
    try {
      const target = {
        port: h.port,
        share: "export",
        vers: "3.0",
        username: ALICE.user,
        password: ALICE.password,
      };
      const r = await withKernelCifs(target, body, { shareDir, timeoutMs: 240_000 });
      expect(r.exitCode, `${r.output}\n${r.console.slice(-2000)}`).toBe(0);
      expect(r.output).toContain("COPY_OK");
      const m = /COPY rx=(\d+) tx=(\d+)/.exec(r.output);
      console.log(`kernel CIFS cp of ${BYTES} bytes: guest eth0 ${m?.[0] ?? "?"} (bytes during the copy)`);
      expect(Number(m?.[1])).toBeLessThan(MAX_COPY_WIRE_BYTES);
      expect(Number(m?.[2])).toBeLessThan(MAX_COPY_WIRE_BYTES);
    } finally {
      rmSync(shareDir, { recursive: true, force: true });
    }
  });
});
