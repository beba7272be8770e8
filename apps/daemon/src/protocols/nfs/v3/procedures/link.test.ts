import { describe, expect, it } from "vitest";
import { postOpAttr, wcc } from "../../testing/decode.ts";
import { uniq, useHarness } from "../../testing/fixtures.ts";
import { makeFile } from "../../testing/harness.ts";
import { failed, ok } from "../../testing/nfs-client.ts";
import { NFS3ERR_EXIST, NFS3ERR_ISDIR, NFS3ERR_PERM } from "../constants.ts";

const h = useHarness();

describe("LINK (RFC 1813 §3.3.15)", () => {
  it("adds a hard link: same fileid, nlink 2, content shared", async () => {
    const { client, root } = h();
    const fh = await makeFile(client, root, uniq(), Buffer.from("shared"));
    const name = uniq();
    const r = ok(await client.link(fh, root, name));
    expect(r.attr?.nlink).toBe(2);
    expect(r.dir.after).not.toBeNull();
    const other = ok(await client.lookup(root, name));
    expect(other.attr?.fileid).toBe(r.attr?.fileid);
    expect(ok(await client.read(other.fh, 0, 10)).data.toString()).toBe("shared");
  });

  it("answers EXIST with the file's attributes and the dir's wcc; refuses directories", async () => {
    const { client, root } = h();
    const name = uniq();
    const fh = await makeFile(client, root, name);
    const r = failed(await client.link(fh, root, name));
    expect(r.status).toBe(NFS3ERR_EXIST);
    expect(postOpAttr(r.fail)?.nlink).toBe(1);
    expect(wcc(r.fail).after).not.toBeNull();
    const d = ok(await client.mkdir(root, uniq())).fh!;
    expect([NFS3ERR_ISDIR, NFS3ERR_PERM]).toContain((await client.link(d, root, uniq())).status);
  });
});
