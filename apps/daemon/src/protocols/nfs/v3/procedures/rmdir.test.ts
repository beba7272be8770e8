import { describe, expect, it } from "vitest";
import { uniq, useHarness } from "../../testing/fixtures.ts";
import { makeFile } from "../../testing/harness.ts";
import { ok } from "../../testing/nfs-client.ts";
import { NFS3ERR_NOENT, NFS3ERR_NOTDIR, NFS3ERR_NOTEMPTY } from "../constants.ts";

const h = useHarness();

describe("RMDIR (RFC 1813 §3.3.13)", () => {
  it("removes an empty directory and drops the parent's nlink", async () => {
    const { client, root } = h();
    const name = uniq();
    ok(await client.mkdir(root, name));
    const before = ok(await client.getattr(root)).attr.nlink;
    const r = ok(await client.rmdir(root, name));
    expect(r.wcc.after?.nlink).toBe(before - 1);
    expect((await client.lookup(root, name)).status).toBe(NFS3ERR_NOENT);
  });

  it("answers NOTEMPTY, NOTDIR and NOENT", async () => {
    const { client, root } = h();
    const name = uniq();
    const d = ok(await client.mkdir(root, name)).fh!;
    await makeFile(client, d, "inside");
    expect((await client.rmdir(root, name)).status).toBe(NFS3ERR_NOTEMPTY);
    const f = uniq();
    await makeFile(client, root, f);
    expect((await client.rmdir(root, f)).status).toBe(NFS3ERR_NOTDIR);
    expect((await client.rmdir(root, uniq())).status).toBe(NFS3ERR_NOENT);
  });
});
