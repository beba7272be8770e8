import { describe, expect, it } from "vitest";
import { shareInfo } from "../../testing/context.ts";
import { wcc } from "../../testing/decode.ts";
import { uniq, useHarness } from "../../testing/fixtures.ts";
import { makeFile } from "../../testing/harness.ts";
import { failed, ok } from "../../testing/nfs-client.ts";
import { NFS3ERR_NOT_SYNC, NFS3ERR_PERM, NFS3ERR_ROFS } from "../constants.ts";

const h = useHarness({ shares: [shareInfo("/export"), shareInfo("/ro", { readOnly: true })] });

describe("SETATTR (RFC 1813 §3.3.2)", () => {
  it("changes mode, owner, size and times with wcc_data", async () => {
    const { client, root } = h();
    const fh = await makeFile(client, root, uniq(), Buffer.alloc(100, 1));
    const r = ok(
      await client.setattr(fh, { mode: 0o600, uid: 1000, gid: 1000, size: 10, mtime: [1_000_000, 5] }),
    );
    expect(r.wcc.before?.size).toBe(100n);
    expect(r.wcc.after).toMatchObject({
      mode: 0o600,
      uid: 1000,
      gid: 1000,
      size: 10n,
      mtime: [1_000_000, 5],
    });
    const read = ok(await client.read(fh, 0, 100));
    expect(read.data.equals(Buffer.alloc(10, 1))).toBe(true);
  });

  it("applies the guard: NOT_SYNC when ctime differs, success when it matches", async () => {
    const { client, root } = h();
    const fh = await makeFile(client, root, uniq());
    const cur = ok(await client.getattr(fh)).attr;
    const bad = failed(await client.setattr(fh, { mode: 0o611 }, [cur.ctime[0] - 1, cur.ctime[1]]));
    expect(bad.status).toBe(NFS3ERR_NOT_SYNC);
    expect(wcc(bad.fail).after?.mode).toBe(0o644);
    const good = ok(await client.setattr(fh, { mode: 0o611 }, cur.ctime));
    expect(good.wcc.after?.mode).toBe(0o611);
  });

  it("refuses chmod by a non-owner with PERM and carries wcc_data", async () => {
    const { client, root } = h();
    const fh = await makeFile(client, root, uniq());
    const r = failed(await client.as(1234, 1234).setattr(fh, { mode: 0o777 }));
    expect(r.status).toBe(NFS3ERR_PERM);
    expect(wcc(r.fail).after?.mode).toBe(0o644);
  });

  it("chown follows POSIX for every caller, no-op values included (pjdfstest chown/07)", async () => {
    const { client, root } = h();
    const fh = await makeFile(client, root, uniq());
    ok(await client.setattr(fh, { uid: 2001, gid: 2001 }));
    const other = client.as(2002, 2002, [2001]);
    // Neither root nor the owner: EPERM even when naming the current owner and group.
    expect(failed(await other.setattr(fh, { uid: 2001 })).status).toBe(NFS3ERR_PERM);
    expect(failed(await other.setattr(fh, { gid: 2001 })).status).toBe(NFS3ERR_PERM);
    expect(failed(await other.setattr(fh, { uid: 2001, gid: 2001 })).status).toBe(NFS3ERR_PERM);
    const owner = client.as(2001, 2001, [3000]);
    ok(await owner.setattr(fh, { uid: 2001, gid: 2001 }));
    ok(await owner.setattr(fh, { gid: 3000 }));
    expect(failed(await owner.setattr(fh, { gid: 4000 })).status).toBe(NFS3ERR_PERM);
    expect(failed(await owner.setattr(fh, { uid: 2002 })).status).toBe(NFS3ERR_PERM);
    expect(ok(await client.setattr(fh, { uid: 2002, gid: 4000 })).wcc.after).toMatchObject({
      uid: 2002,
      gid: 4000,
    });
  });

  it("answers ROFS on a read-only share", async () => {
    const { client } = h();
    const ro = (await client.mount("/ro")).fh!;
    expect((await client.setattr(ro, { mode: 0o700 })).status).toBe(NFS3ERR_ROFS);
  });
});
