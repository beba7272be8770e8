/**
 * Share squash and read-only as NFS callers see them (the MetadataService enforces them; the
 * adapter passes the AUTH_SYS identity and maps the errors).
 */
import { describe, expect, it } from "vitest";
import { shareInfo } from "../testing/context.ts";
import { useHarness } from "../testing/fixtures.ts";
import { ok } from "../testing/nfs-client.ts";
import { NFS3ERR_ACCES, NFS3ERR_PERM, NFS3ERR_ROFS } from "./constants.ts";

const h = useHarness({
  shares: [
    shareInfo("/export"),
    shareInfo("/rootsquash", { squash: "root_squash", anonUid: 65534, anonGid: 65533 }),
    shareInfo("/allsquash", { squash: "all_squash", anonUid: 4000, anonGid: 4001 }),
    shareInfo("/readonly", { readOnly: true }),
  ],
});

async function rootOf(name: string): Promise<Buffer> {
  const m = await h().client.mount(name);
  return m.fh!;
}

describe("squash and read-only shares over NFS", () => {
  it("no squash: root creates files owned by root", async () => {
    const r = ok(await h().client.create(await rootOf("/export"), "by-root"));
    expect(r.attr).toMatchObject({ uid: 0, gid: 0 });
  });

  it("root_squash: root acts as the anonymous user; others keep their identity", async () => {
    const { client } = h();
    const root = await rootOf("/rootsquash");
    const dir = ok(await client.getattr(root)).attr;
    expect(dir.uid).toBe(0);
    // Squashed, root is not the owner of the root directory any more.
    expect((await client.setattr(root, { mode: 0o777 })).status).toBe(NFS3ERR_PERM);
    const r = await client.create(root, "by-squashed-root");
    if (dir.mode & 0o002) expect(ok(r).attr).toMatchObject({ uid: 65534, gid: 65533 });
    else expect(r.status).toBe(NFS3ERR_ACCES);
  });

  it("all_squash: every caller acts as the share's anonymous user", async () => {
    const { client } = h();
    const root = await rootOf("/allsquash");
    const dir = ok(await client.getattr(root)).attr;
    const r = await client.as(1000, 1000).create(root, "by-anyone");
    if (dir.mode & 0o002) expect(ok(r).attr).toMatchObject({ uid: 4000, gid: 4001 });
    else expect(r.status).toBe(NFS3ERR_ACCES);
    expect((await client.setattr(root, { mode: 0o700 })).status).toBe(NFS3ERR_PERM);
  });

  it("read-only: reads work, every mutating procedure answers ROFS", async () => {
    const { client } = h();
    const root = await rootOf("/readonly");
    expect(ok(await client.getattr(root)).attr.type).toBe(2);
    expect(ok(await client.readdir(root)).entries.length).toBeGreaterThanOrEqual(2);
    for (const res of [
      await client.create(root, "x"),
      await client.mkdir(root, "x"),
      await client.symlink(root, "x", "y"),
      await client.remove(root, "x"),
      await client.rmdir(root, "x"),
      await client.rename(root, "x", root, "y"),
      await client.setattr(root, { mode: 0o700 }),
    ]) {
      expect(res.status).toBe(NFS3ERR_ROFS);
    }
  });
});
