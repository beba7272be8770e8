/**
 * `smbclient -L` (Debian Samba 4.17) against the DittoFS SMB adapter: the srvsvc pipe on IPC$
 * (DCE/RPC bind and NetShareEnumAll level 1 over FSCTL_PIPE_TRANSCEIVE) lists the SMB shares the
 * user may see and IPC$, never a share without SMB or one the user has no permission on.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shareInfo } from "../../apps/daemon/src/protocols/smb/testing/context.ts";
import {
  ALICE,
  BOB,
  type SmbHarness,
  startSmbHarness,
} from "../../apps/daemon/src/protocols/smb/testing/harness.ts";

const run = promisify(execFile);

/** `smbclient -L -g` lines `Type|Name|Comment`, as [type, name] pairs, sorted. */
async function listShares(port: number, user: { user: string; password: string }, dialect: string) {
  const args = ["-L", "//127.0.0.1", "-p", String(port), "-U", `${user.user}%${user.password}`];
  args.push("-m", dialect, "-g");
  const { stdout } = await run("smbclient", args, { timeout: 60_000 });
  return stdout
    .split("\n")
    .map((l) => l.split("|"))
    .filter((f) => f.length === 3 && (f[0] === "Disk" || f[0] === "IPC"))
    .map((f) => [f[0], f[1]])
    .sort();
}

describe("smbclient -L against DittoFS SMB", () => {
  let h: SmbHarness;

  beforeAll(async () => {
    h = await startSmbHarness({
      shares: [
        shareInfo("/export"),
        shareInfo("/private"),
        shareInfo("/nfsonly", { protocols: { nfs: true, smb: false } }),
      ],
    });
    // bob has read on /export (harness) and no permission on /private.
    const bob = h.ctx.identity.byName(BOB.user)!;
    h.ctx.identity.addPrincipal(bob, { "/private": "none" });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it.each(["SMB2_02", "SMB3_11"])("lists the shares each user may see over %s", async (dialect) => {
    expect(await listShares(h.port, ALICE, dialect)).toEqual([
      ["Disk", "export"],
      ["Disk", "private"],
      ["IPC", "IPC$"],
    ]);
    expect(await listShares(h.port, BOB, dialect)).toEqual([
      ["Disk", "export"],
      ["IPC", "IPC$"],
    ]);
  });

  it("answers rpcclient's NetShareGetInfo and NetSrvGetInfo, and refuses a hidden share", async () => {
    const rpc = (user: { user: string; password: string }, cmd: string) =>
      run(
        "rpcclient",
        ["127.0.0.1", "-p", String(h.port), "-U", `${user.user}%${user.password}`, "-c", cmd],
        {
          timeout: 60_000,
        },
      ).then(
        (r) => r.stdout + r.stderr,
        (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ""}${e.stderr ?? ""}`,
      );
    const info = await rpc(ALICE, "netsharegetinfo export 1");
    expect(info).toMatch(/netname:\s+export/);
    expect(await rpc(ALICE, "netsharegetinfo export 502")).toContain("WERR_INVALID_LEVEL");
    const srv = await rpc(ALICE, "srvinfo");
    expect(srv).toMatch(/platform_id\s+:\s+500/);
    expect(srv).toMatch(/os version\s+:\s+6\.1/);
    // bob has no permission on /private: it does not exist for him.
    expect(await rpc(BOB, "netsharegetinfo private 1")).toContain("WERR_NERR_NETNAMENOTFOUND");
  });
});
