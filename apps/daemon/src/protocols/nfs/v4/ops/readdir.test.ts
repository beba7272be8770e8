import { describe, expect, it } from "vitest";
import { uniq } from "../../testing/fixtures.ts";
import * as a from "../attrs/numbers.ts";
import * as k from "../constants.ts";
import { type Nfs4Client, op, readFattr, res } from "../testing/client.ts";
import { useNfs4 } from "../testing/harness.ts";

const h = useNfs4();

async function page(c: Nfs4Client, dir: Buffer | null, cookie: bigint, verifier: Buffer, maxcount: number) {
  const rep = await c.call([
    dir === null ? op.putrootfh() : op.putfh(dir),
    op.readdir(cookie, verifier, maxcount, [a.FATTR4_FILEID]),
  ]);
  if (rep.status !== k.NFS4_OK) return { status: rep.status, names: [], cookies: [], verifier, eof: false };
  res(rep.r, dir === null ? k.OP_PUTROOTFH : k.OP_PUTFH);
  res(rep.r, k.OP_READDIR);
  const verf = Buffer.from(rep.r.fixedOpaque(8));
  const names: string[] = [];
  const cookies: bigint[] = [];
  while (rep.r.bool()) {
    cookies.push(rep.r.uint64());
    names.push(rep.r.string(255));
    readFattr(rep.r);
  }
  return { status: k.NFS4_OK, names, cookies, verifier: verf, eof: rep.r.bool() };
}

describe("READDIR (RFC 8881 §18.23)", () => {
  it("lists a directory in pages without . and .., resuming at cookies", async () => {
    const { client, root } = h();
    const dir = uniq("d");
    const rep = await client.call([op.putfh(root), op.mkdir(dir), op.getfh()]);
    res(rep.r, k.OP_PUTFH);
    res(rep.r, k.OP_CREATE);
    rep.r.fixedOpaque(20);
    rep.r.array(8, (x) => x.uint32());
    res(rep.r, k.OP_GETFH);
    const fh = Buffer.from(rep.r.opaque(128));
    const want = Array.from({ length: 30 }, (_, i) => `e${i}`);
    for (const n of want) expect((await client.call([op.putfh(fh), op.mkdir(n)])).status).toBe(k.NFS4_OK);
    const seen: string[] = [];
    let cookie = 0n;
    let verifier: Buffer = Buffer.alloc(8);
    for (let i = 0; i < 20; i++) {
      const p = await page(client, fh, cookie, verifier, 400);
      expect(p.status).toBe(k.NFS4_OK);
      expect(p.cookies.every((c) => c > 2n)).toBe(true);
      seen.push(...p.names);
      if (p.eof) break;
      cookie = p.cookies[p.cookies.length - 1]!;
      verifier = p.verifier;
    }
    expect(seen.sort()).toEqual([...want].sort());
    expect((await page(client, fh, 0n, verifier, 20)).status).toBe(k.NFS4ERR_TOOSMALL);
  });

  it("lists the pseudo root's shares", async () => {
    const { client } = h();
    const p = await page(client, null, 0n, Buffer.alloc(8), 4096);
    expect(p).toMatchObject({ status: k.NFS4_OK, names: ["export"], eof: true });
  });
});
