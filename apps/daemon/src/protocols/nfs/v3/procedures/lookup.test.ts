import { describe, expect, it } from "vitest";
import { postOpAttr } from "../../testing/decode.ts";
import { uniq, useHarness } from "../../testing/fixtures.ts";
import { makeFile } from "../../testing/harness.ts";
import { failed, ok } from "../../testing/nfs-client.ts";
import { NF3DIR, NFS3ERR_NAMETOOLONG, NFS3ERR_NOENT, NFS3ERR_NOTDIR } from "../constants.ts";

const h = useHarness();

describe("LOOKUP (RFC 1813 §3.3.3)", () => {
  it("finds a name: handle, object and directory attributes", async () => {
    const { client, root } = h();
    const name = uniq();
    const fh = await makeFile(client, root, name);
    const r = ok(await client.lookup(root, name));
    expect(r.fh.equals(fh)).toBe(true);
    expect(r.attr?.fileid).toBe(ok(await client.getattr(fh)).attr.fileid);
    expect(r.dirAttr?.type).toBe(NF3DIR);
  });

  it("resolves . and .. to directories", async () => {
    const { client, root } = h();
    const d = ok(await client.mkdir(root, uniq())).fh!;
    expect(ok(await client.lookup(d, "..")).fh.equals(root)).toBe(true);
    expect(ok(await client.lookup(d, ".")).fh.equals(d)).toBe(true);
  });

  it("answers NOENT with the directory's attributes, NOTDIR under a file, NAMETOOLONG", async () => {
    const { client, root } = h();
    const r = failed(await client.lookup(root, uniq("missing")));
    expect(r.status).toBe(NFS3ERR_NOENT);
    expect(postOpAttr(r.fail)?.type).toBe(NF3DIR);
    const fh = await makeFile(client, root, uniq());
    expect((await client.lookup(fh, "x")).status).toBe(NFS3ERR_NOTDIR);
    expect((await client.lookup(root, "x".repeat(300))).status).toBe(NFS3ERR_NAMETOOLONG);
  });
});
