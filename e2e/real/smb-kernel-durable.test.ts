/**
 * A durable handle through the Linux kernel CIFS client (qemu guest, SMB 3.0): the guest opens a
 * file and writes through one descriptor; the host drops its TCP connection from the daemon side
 * (the admin's client disconnect) and renames the file while the guest is away; the guest keeps
 * writing through the same descriptor. The client reconnects and reopens its handle with a
 * durable reconnect context ([MS-SMB2] §3.3.5.9.12 DH2C / §3.3.5.9.7 DHnC), which names the open
 * by FileId: the writes land in the renamed file, which reads back byte-identical after a
 * remount. Without durable handles the client can only reopen by its old path, which the rename
 * took away, and its writes fail.
 */
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FileCall } from "../../apps/daemon/src/files/types.ts";
import {
  ALICE,
  type SmbHarness,
  startSmbHarness,
} from "../../apps/daemon/src/protocols/smb/testing/harness.ts";
import { withKernelCifs } from "../clients/mount.ts";
import { marker } from "./guest-turns.ts";

/** Each half of the file, written before and after the connection drops. */
const PART_BYTES = 4 * 1024 * 1024;

const GUEST = (md5: string) => `
waitfor() { n=0; while [ ! -e "$1" ]; do [ ! -e /share/abort ] || exit 93; n=$((n+1)); [ $n -lt 900 ] || { echo "no $1"; exit 91; }; sleep 0.1; done; }
exec 3>durable.bin
cat /share/part-a >&3
touch /share/written-a
waitfor /share/dropped
cat /share/part-b >&3
exec 3>&-
rig_remount
[ ! -e durable.bin ] || { echo "the old name is back: the client reopened by path"; exit 1; }
sum=$(md5sum durable-renamed.bin)
[ "\${sum%% *}" = ${md5} ] || { echo "MD5 mismatch: \${sum%% *}"; exit 1; }
rm durable-renamed.bin
echo DURABLE_OK`;

describe("kernel CIFS durable reconnect against DittoFS SMB", () => {
  let h: SmbHarness;

  beforeAll(async () => {
    h = await startSmbHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  const smbClients = () => h.ctx.clients.list().filter((c) => c.protocol === "smb");

  /** The daemon side of the turns: drop every SMB connection, wait for their teardown, rename. */
  async function dropAndRename(shareDir: string, done: () => string | null): Promise<number> {
    await marker(shareDir, "written-a", done);
    const dropped = smbClients();
    for (const c of dropped) h.ctx.clients.disconnect(c.id);
    for (let i = 0; smbClients().some((c) => dropped.some((d) => d.id === c.id)); i++) {
      if (i > 1000) throw new Error("the dropped connections were never torn down");
      await sleep(10);
    }
    const share = h.ctx.shares.map.get("/export")!;
    const root = h.metadata.rootHandle("/export");
    const caller = { uid: ALICE.uid, gid: ALICE.gid, gids: [] };
    const call: FileCall = {
      caller,
      handle: root,
      share,
      access: { level: "read-write", writeRefusal: "EACCES" },
    };
    await h.ctx.files.rename(call, "durable.bin", root, "durable-renamed.bin");
    return dropped.length;
  }

  it("writes through one descriptor across a dropped connection land in the durable open", async () => {
    const a = randomBytes(PART_BYTES);
    const b = randomBytes(PART_BYTES);
    const md5 = createHash("md5").update(a).update(b).digest("hex");
    const shareDir = mkdtempSync(join(tmpdir(), "smb-cifs-durable-"));
    chmodSync(shareDir, 0o755);
    writeFileSync(join(shareDir, "part-a"), a);
    writeFileSync(join(shareDir, "part-b"), b);
    const target = {
      port: h.port,
      share: "export",
      vers: "3.0",
      username: ALICE.user,
      password: ALICE.password,
    };
    let ended: string | null = null;
    const running = withKernelCifs(target, GUEST(md5), { shareDir, timeoutMs: 240_000 });
    running.then(
      (r) => {
        ended = `exit ${r.exitCode}\n${r.output}`;
      },
      (e: unknown) => {
        ended = String(e);
      },
    );
    try {
      let dropped: number;
      try {
        dropped = await dropAndRename(shareDir, () => ended);
      } catch (e) {
        writeFileSync(join(shareDir, "abort"), "");
        await running.catch(() => undefined);
        throw e;
      }
      writeFileSync(join(shareDir, "dropped"), "");
      const r = await running;
      expect(dropped).toBeGreaterThan(0);
      expect(r.exitCode, `${r.output}\n${r.console.slice(-3000)}`).toBe(0);
      expect(r.output).toContain("DURABLE_OK");
    } finally {
      rmSync(shareDir, { recursive: true, force: true });
    }
  });
});
