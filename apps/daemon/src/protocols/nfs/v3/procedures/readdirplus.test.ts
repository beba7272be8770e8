import { describe, expect, it } from "vitest";
import { uniq, useHarness } from "../../testing/fixtures.ts";
import { makeFile } from "../../testing/harness.ts";
import { ok } from "../../testing/nfs-client.ts";
import { NF3REG, NFS3ERR_NOTDIR, NFS3ERR_TOOSMALL } from "../constants.ts";
import { entriesThatFit, entriesToFetch } from "./readdir-common.ts";

const h = useHarness();

describe("READDIRPLUS (RFC 1813 §3.3.17)", () => {
  it("returns attributes and handles that match GETATTR/LOOKUP", async () => {
    const { client, root } = h();
    const dir = ok(await client.mkdir(root, uniq())).fh!;
    const fh = await makeFile(client, dir, "one", Buffer.from("abc"));
    const r = ok(await client.readdirplus(dir));
    expect(r.eof).toBe(true);
    expect(r.entries.map((e) => e.name)).toEqual([".", "..", "one"]);
    const one = r.entries[2]!;
    expect(one.fh?.equals(fh)).toBe(true);
    expect(one.attr).toMatchObject({ type: NF3REG, size: 3n });
    expect(one.fileid).toBe(one.attr?.fileid);
    expect(r.entries[1]!.fh?.equals(root)).toBe(true);
  });

  it("pages within maxcount and lists everything exactly once", async () => {
    const { client, root } = h();
    const dir = ok(await client.mkdir(root, uniq())).fh!;
    for (let i = 0; i < 60; i++) ok(await client.create(dir, `e${i}`));
    const names: string[] = [];
    let cookie = 0n;
    let verf = Buffer.alloc(8);
    let calls = 0;
    for (;;) {
      const r = ok(await client.readdirplus(dir, cookie, verf, 4096, 2048));
      calls++;
      names.push(...r.entries.map((e) => e.name));
      if (r.eof) break;
      cookie = r.entries.at(-1)!.cookie;
      verf = r.verifier;
    }
    expect(calls).toBeGreaterThan(4);
    expect(new Set(names).size).toBe(62);
  });

  it("answers TOOSMALL and NOTDIR", async () => {
    const { client, root } = h();
    expect((await client.readdirplus(root, 0n, Buffer.alloc(8), 100, 120)).status).toBe(NFS3ERR_TOOSMALL);
    const fh = await makeFile(client, root, uniq());
    expect((await client.readdirplus(fh)).status).toBe(NFS3ERR_NOTDIR);
  });
});

describe("READDIRPLUS reply budget", () => {
  it("asks the service for the entries the smallest ones with this share's handles fill, plus one", () => {
    for (const handleBytes of [21, 32, 64]) {
      for (const maxcount of [1024, 8192, 32768]) {
        // Smallest entries: one-character names, handles as long as the directory's.
        const entries = Array.from({ length: 4096 }, (_, i) => ({
          name: "x",
          fileid: BigInt(i),
          cookie: BigInt(i + 3),
          handle: Buffer.alloc(handleBytes),
          attr: undefined as never,
        }));
        const fit = entriesThatFit(entries, true, maxcount, 1 << 20);
        expect(
          entriesToFetch(maxcount, true, handleBytes),
          `${handleBytes} B handles, maxcount ${maxcount}`,
        ).toBe(fit + 1);
      }
    }
  });
});
