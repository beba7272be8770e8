/**
 * NFS access control with the Linux kernel NFSv3 client in the qemu guest (e2e/clients): the
 * guest's root (uid 0, no DittoFS user) follows the share's anonymous policy. `read`: the mount
 * works, reads work, every write is refused; `none` and a client list that does not admit the
 * guest's address (127.0.0.1 through qemu's user network): the mount is refused.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { shareInfo } from "../../apps/daemon/src/protocols/nfs/testing/context.ts";
import { type NfsServer, startNfsServer } from "../../apps/daemon/src/protocols/nfs/testing/server.ts";
import { guestImage } from "../clients/guest.ts";
import { MOUNT_FAILED_STATUS, withKernelNfs } from "../clients/mount.ts";

describe("kernel NFSv3 client against share access control", () => {
  let server: NfsServer | undefined;
  beforeAll(async () => {
    await guestImage();
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it("anonymous read: ls and cat work, creating and overwriting are refused", async () => {
    server = await startNfsServer({ shares: [shareInfo("/export", { anonymousAccess: "read" })] });
    const root = server.ctx.metadata.rootHandle("/export");
    const who = { uid: 0, gid: 0, gids: [] };
    await server.ctx.metadata.create(who, root, "seen.txt", { mode: 0o666 }, { mode: "unchecked" });
    const commands = `
ls -l | grep -q seen.txt
if touch new.txt 2>/dev/null; then echo "CREATED"; exit 1; fi
if echo x > seen.txt 2>/dev/null; then echo "OVERWROTE"; exit 1; fi
if mkdir d 2>/dev/null; then echo "MKDIR"; exit 1; fi
echo "READ ONLY OK"
`;
    const r = await withKernelNfs({ port: server.port, exportPath: "/export" }, commands, {
      timeoutMs: 120_000,
    });
    expect(r.output).toContain("READ ONLY OK");
    expect(r.exitCode, r.output).toBe(0);
  });

  it("anonymous none, or a client list without the guest's address: the mount is refused", async () => {
    for (const patch of [
      { anonymousAccess: "none" as const },
      { nfsClients: [{ host: "10.99.0.0/16", access: "read-write" as const }] },
    ]) {
      server = await startNfsServer({ shares: [shareInfo("/export", patch)] });
      const r = await withKernelNfs({ port: server.port, exportPath: "/export" }, "echo MOUNTED", {
        timeoutMs: 120_000,
      });
      expect(r.output).not.toContain("MOUNTED\n");
      expect(r.exitCode, r.output).toBe(MOUNT_FAILED_STATUS);
      await server.stop();
      server = undefined;
    }
  });
});
