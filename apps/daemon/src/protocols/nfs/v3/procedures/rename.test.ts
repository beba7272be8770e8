import { describe, expect, it } from "vitest";
import { wcc } from "../../testing/decode.ts";
import { uniq, useHarness } from "../../testing/fixtures.ts";
import { makeFile } from "../../testing/harness.ts";
import { failed, ok } from "../../testing/nfs-client.ts";
import { NFS3ERR_EXIST, NFS3ERR_NOENT, NFS3ERR_NOTEMPTY } from "../constants.ts";

const h = useHarness();

describe("RENAME (RFC 1813 §3.3.14)", () => {
  it("moves a file across directories with both directories' wcc", async () => {
    const { client, root } = h();
    const a = ok(await client.mkdir(root, uniq())).fh!;
    const b = ok(await client.mkdir(root, uniq())).fh!;
    const fh = await makeFile(client, a, "f", Buffer.from("x"));
    const r = ok(await client.rename(a, "f", b, "g"));
    expect(r.from.after).not.toBeNull();
    expect(r.to.after).not.toBeNull();
    expect(ok(await client.lookup(b, "g")).fh.equals(fh)).toBe(true);
    expect((await client.lookup(a, "f")).status).toBe(NFS3ERR_NOENT);
  });

  it("replaces an existing file and an empty directory", async () => {
    const { client, root } = h();
    const src = await makeFile(client, root, `src-${uniq()}`, Buffer.from("new"));
    const victim = uniq();
    await makeFile(client, root, victim, Buffer.from("old"));
    const srcName = (await lookupName(client, root, src))!;
    ok(await client.rename(root, srcName, root, victim));
    expect(ok(await client.read(ok(await client.lookup(root, victim)).fh, 0, 10)).data.toString()).toBe(
      "new",
    );
    const d1 = uniq();
    const d2 = uniq();
    ok(await client.mkdir(root, d1));
    ok(await client.mkdir(root, d2));
    ok(await client.rename(root, d1, root, d2));
    expect((await client.lookup(root, d1)).status).toBe(NFS3ERR_NOENT);
  });

  it("answers NOENT with both wcc arms, and refuses a non-empty target directory", async () => {
    const { client, root } = h();
    const r = failed(await client.rename(root, uniq(), root, uniq()));
    expect(r.status).toBe(NFS3ERR_NOENT);
    expect(wcc(r.fail).after).not.toBeNull();
    expect(wcc(r.fail).after).not.toBeNull();
    const d1 = uniq();
    const d2 = uniq();
    ok(await client.mkdir(root, d1));
    const full = ok(await client.mkdir(root, d2)).fh!;
    await makeFile(client, full, "x");
    expect([NFS3ERR_NOTEMPTY, NFS3ERR_EXIST]).toContain((await client.rename(root, d1, root, d2)).status);
  });
});

async function lookupName(client: import("../../testing/nfs-client.ts").NfsClient, dir: Buffer, fh: Buffer) {
  const list = ok(await client.readdirplus(dir, 0n, Buffer.alloc(8), 65536, 1 << 20));
  return list.entries.find((e) => e.fh?.equals(fh))?.name;
}
