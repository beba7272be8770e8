import { describe, expect, it } from "vitest";
import { postOpAttr } from "../../testing/decode.ts";
import { uniq, useHarness } from "../../testing/fixtures.ts";
import { makeFile } from "../../testing/harness.ts";
import { failed, ok } from "../../testing/nfs-client.ts";
import { NF3REG, NFS3ERR_NOTDIR, NFS3ERR_TOOSMALL } from "../constants.ts";

const h = useHarness();

async function listAll(dir: Buffer, count: number): Promise<{ names: string[]; calls: number }> {
  const { client } = h();
  const names: string[] = [];
  let cookie = 0n;
  let verf = Buffer.alloc(8);
  let calls = 0;
  for (;;) {
    const r = ok(await client.readdir(dir, cookie, verf, count));
    calls++;
    names.push(...r.entries.map((e) => e.name));
    if (r.eof) return { names, calls };
    expect(r.entries.length).toBeGreaterThan(0);
    cookie = r.entries.at(-1)!.cookie;
    verf = r.verifier;
  }
}

describe("READDIR (RFC 1813 §3.3.16)", () => {
  it("lists . and .. and every entry, paging within `count` bytes", async () => {
    const { client, root } = h();
    const dir = ok(await client.mkdir(root, uniq())).fh!;
    const want = Array.from({ length: 120 }, (_, i) => `file-${String(i).padStart(4, "0")}`);
    for (const n of want) ok(await client.create(dir, n));
    const small = await listAll(dir, 1024);
    expect(small.names.slice(0, 2)).toEqual([".", ".."]);
    expect(small.names.slice(2).sort()).toEqual(want);
    expect(small.calls).toBeGreaterThan(3);
    const big = await listAll(dir, 64 * 1024);
    expect(big.calls).toBe(1);
  });

  it("keeps cookies valid across concurrent inserts and removals", async () => {
    const { client, root } = h();
    const dir = ok(await client.mkdir(root, uniq())).fh!;
    for (let i = 0; i < 40; i++) ok(await client.create(dir, `a${i}`));
    const first = ok(await client.readdir(dir, 0n, Buffer.alloc(8), 600));
    expect(first.eof).toBe(false);
    const seen = new Set(first.entries.map((e) => e.name));
    for (let i = 0; i < 10; i++) ok(await client.create(dir, `b${i}`));
    ok(await client.remove(dir, "a39"));
    let cookie = first.entries.at(-1)!.cookie;
    let verf = first.verifier;
    for (;;) {
      const r = ok(await client.readdir(dir, cookie, verf, 600));
      for (const e of r.entries) {
        expect(seen.has(e.name)).toBe(false);
        seen.add(e.name);
      }
      if (r.eof) break;
      cookie = r.entries.at(-1)!.cookie;
      verf = r.verifier;
    }
    for (let i = 0; i < 39; i++) expect(seen.has(`a${i}`)).toBe(true);
  });

  it("answers TOOSMALL when not one entry fits and NOTDIR for a file, with attributes", async () => {
    const { client, root } = h();
    const r = failed(await client.readdir(root, 0n, Buffer.alloc(8), 50));
    expect(r.status).toBe(NFS3ERR_TOOSMALL);
    const fh = await makeFile(client, root, uniq());
    const nd = failed(await client.readdir(fh));
    expect(nd.status).toBe(NFS3ERR_NOTDIR);
    expect(postOpAttr(nd.fail)?.type).toBe(NF3REG);
  });
});
