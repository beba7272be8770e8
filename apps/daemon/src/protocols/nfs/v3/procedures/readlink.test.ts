import { describe, expect, it } from "vitest";
import { postOpAttr } from "../../testing/decode.ts";
import { uniq, useHarness } from "../../testing/fixtures.ts";
import { makeFile } from "../../testing/harness.ts";
import { failed, ok } from "../../testing/nfs-client.ts";
import { NF3LNK, NF3REG, NFS3ERR_INVAL } from "../constants.ts";

const h = useHarness();

describe("READLINK (RFC 1813 §3.3.5)", () => {
  it("returns the target and the link's attributes", async () => {
    const { client, root } = h();
    const l = ok(await client.symlink(root, uniq(), "../some/where"));
    const r = ok(await client.readlink(l.fh!));
    expect(r.target).toBe("../some/where");
    expect(r.attr?.type).toBe(NF3LNK);
  });

  it("answers INVAL for a regular file, with its attributes", async () => {
    const { client, root } = h();
    const fh = await makeFile(client, root, uniq());
    const r = failed(await client.readlink(fh));
    expect(r.status).toBe(NFS3ERR_INVAL);
    expect(postOpAttr(r.fail)?.type).toBe(NF3REG);
  });
});
