import { describe, expect, it } from "vitest";
import { wcc } from "../../testing/decode.ts";
import { uniq, useHarness } from "../../testing/fixtures.ts";
import { makeFile } from "../../testing/harness.ts";
import { failed, ok } from "../../testing/nfs-client.ts";
import { NFS3ERR_ACCES, NFS3ERR_ISDIR, NFS3ERR_NOENT, NFS3ERR_STALE } from "../constants.ts";

const h = useHarness();

describe("REMOVE (RFC 1813 §3.3.12)", () => {
  it("removes a file: the name is gone, the handle is stale, dir wcc changes", async () => {
    const { client, root } = h();
    const name = uniq();
    const fh = await makeFile(client, root, name, Buffer.from("data"));
    const r = ok(await client.remove(root, name));
    expect(r.wcc.before).not.toBeNull();
    expect(r.wcc.after).not.toBeNull();
    expect((await client.lookup(root, name)).status).toBe(NFS3ERR_NOENT);
    expect((await client.getattr(fh)).status).toBe(NFS3ERR_STALE);
  });

  it("answers NOENT with wcc_data, a directory error for a directory, ACCES without write", async () => {
    const { client, root } = h();
    const r = failed(await client.remove(root, uniq()));
    expect(r.status).toBe(NFS3ERR_NOENT);
    expect(wcc(r.fail).after).not.toBeNull();
    const d = uniq();
    ok(await client.mkdir(root, d));
    expect([NFS3ERR_ISDIR, 1]).toContain((await client.remove(root, d)).status);
    const sub = ok(await client.mkdir(root, uniq(), { mode: 0o755 })).fh!;
    await makeFile(client, sub, "f");
    expect((await client.as(888, 888).remove(sub, "f")).status).toBe(NFS3ERR_ACCES);
  });
});
