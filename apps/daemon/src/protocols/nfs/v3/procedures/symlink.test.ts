import { describe, expect, it } from "vitest";
import { uniq, useHarness } from "../../testing/fixtures.ts";
import { ok } from "../../testing/nfs-client.ts";
import { NF3LNK, NFS3ERR_EXIST, NFS3ERR_NOTDIR } from "../constants.ts";

const h = useHarness();

describe("SYMLINK (RFC 1813 §3.3.10)", () => {
  it("creates a symlink with its target", async () => {
    const { client, root } = h();
    const r = ok(await client.symlink(root, uniq(), "/abs/target"));
    expect(r.attr).toMatchObject({ type: NF3LNK, size: 11n });
    expect(ok(await client.readlink(r.fh!)).target).toBe("/abs/target");
  });

  it("answers EXIST for a taken name and NOTDIR under a file", async () => {
    const { client, root } = h();
    const name = uniq();
    ok(await client.symlink(root, name, "a"));
    expect((await client.symlink(root, name, "b")).status).toBe(NFS3ERR_EXIST);
    const f = ok(await client.create(root, uniq())).fh!;
    expect((await client.symlink(f, "x", "y")).status).toBe(NFS3ERR_NOTDIR);
  });
});
