import { describe, expect, it, vi } from "vitest";
import { RpcClient } from "../rpc/client.ts";
import { MOUNT_PROGRAM, PROG_MISMATCH } from "../rpc/constants.ts";
import { shareInfo } from "../testing/context.ts";
import { useHarness } from "../testing/fixtures.ts";
import { ok } from "../testing/nfs-client.ts";
import { MNT3_OK, MNT3ERR_ACCES, MNT3ERR_NOENT, MNT3ERR_NOTDIR } from "./constants.ts";
import { NFS_CLIENT_IDLE_MS } from "./mount-table.ts";

const h = useHarness({
  shares: [
    shareInfo("/export"),
    shareInfo("/smbonly", { protocols: { nfs: false, smb: true } }),
    shareInfo("/secret"),
  ],
});

function list(r: import("../xdr/reader.ts").XdrReader, item: () => string[]): string[][] {
  const out: string[][] = [];
  while (r.bool()) out.push(item());
  return out;
}

describe("MOUNT v3 (RFC 1813 Appendix I)", () => {
  it("MNT returns the root handle and AUTH_SYS, and records the mount as a client", async () => {
    const { client, root, ctx } = h();
    const m = await client.mount("/export");
    expect(m.status).toBe(MNT3_OK);
    expect(m.fh?.equals(root)).toBe(true);
    expect(m.flavors).toEqual([1]);
    expect(ctx.clients.list().some((c) => c.protocol === "nfs" && c.share === "/export")).toBe(true);
  });

  it("MNT of a path below a share resolves it; a file is NOTDIR; unknown is NOENT", async () => {
    const { client, root } = h();
    const d = ok(await client.mkdir(root, "sub")).fh!;
    ok(await client.create(d, "file"));
    const m = await client.mount("/export/sub");
    expect(m.status).toBe(MNT3_OK);
    expect(m.fh?.equals(d)).toBe(true);
    expect((await client.mount("/export/sub/file")).status).toBe(MNT3ERR_NOTDIR);
    expect((await client.mount("/nope")).status).toBe(MNT3ERR_NOENT);
    expect((await client.mount("/export/missing")).status).toBe(MNT3ERR_NOENT);
  });

  it("MNT refuses a share without NFS and a user without permission", async () => {
    const { client, ctx } = h();
    expect((await client.mount("/smbonly")).status).toBe(MNT3ERR_ACCES);
    ctx.identity.addUser("mallory", 4242, 4242, { "/secret": "none" });
    expect((await client.as(4242, 4242).mount("/secret")).status).toBe(MNT3ERR_ACCES);
    expect((await client.as(4242, 4242).mount("/export")).status).toBe(MNT3_OK);
  });

  it("EXPORT lists the NFS shares only; DUMP lists mounts; UMNT and UMNTALL forget them", async () => {
    const { client, ctx } = h();
    const ex = await client.rpc.call(MOUNT_PROGRAM, 3, 5, () => {});
    const exports = list(ex, () => {
      const dir = ex.string(1024);
      while (ex.bool()) ex.string(255);
      return [dir];
    }).flat();
    expect(exports.sort()).toEqual(["/export", "/secret"]);
    await client.mount("/export");
    const dump = await client.rpc.call(MOUNT_PROGRAM, 3, 2, () => {});
    expect(list(dump, () => [dump.string(255), dump.string(1024)])).toContainEqual(["127.0.0.1", "/export"]);
    await client.rpc.call(MOUNT_PROGRAM, 3, 3, (w) => w.string("/export"));
    const dump2 = await client.rpc.call(MOUNT_PROGRAM, 3, 2, () => {});
    expect(list(dump2, () => [dump2.string(255), dump2.string(1024)])).not.toContainEqual([
      "127.0.0.1",
      "/export",
    ]);
    await client.rpc.call(MOUNT_PROGRAM, 3, 4, () => {});
    expect(ctx.clients.list().filter((c) => c.address === "127.0.0.1")).toEqual([]);
  });

  it("a mount is listed while its host is active, ages out after NFS_CLIENT_IDLE_MS, and returns", async () => {
    const { client, ctx } = h();
    const listed = () => ctx.clients.list().filter((c) => c.protocol === "nfs" && c.share === "/export");
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    try {
      await client.mount("/export");
      expect(listed().map((c) => c.disconnectable)).toEqual([false]);
      vi.setSystemTime(Date.now() + NFS_CLIENT_IDLE_MS - 1_000);
      await client.rpc.call(MOUNT_PROGRAM, 3, 0, () => {}); // any call counts as activity
      vi.setSystemTime(Date.now() + NFS_CLIENT_IDLE_MS - 1_000);
      expect(listed().length).toBe(1);
      vi.setSystemTime(Date.now() + 2_000);
      expect(listed()).toEqual([]);
      expect(ctx.clients.countByProtocol().get("nfs")).toBeUndefined();
      await client.rpc.call(MOUNT_PROGRAM, 3, 0, () => {});
      expect(listed().length).toBe(1);
    } finally {
      vi.useRealTimers();
      await client.rpc.call(MOUNT_PROGRAM, 3, 4, () => {});
    }
  });

  it("answers PROG_MISMATCH for MOUNT v1", async () => {
    const c = await RpcClient.connect(h().port);
    const { header } = await c.callRaw(MOUNT_PROGRAM, 1, 0, () => {});
    expect(header).toMatchObject({ stat: PROG_MISMATCH, low: 3, high: 3 });
    c.close();
  });
});
