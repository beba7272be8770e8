import { describe, expect, it } from "vitest";
import { uniq } from "../../testing/fixtures.ts";
import * as a from "../attrs/numbers.ts";
import * as k from "../constants.ts";
import { Nfs4Client, op, readFattr, res } from "../testing/client.ts";
import { useNfs4 } from "../testing/harness.ts";

const h = useNfs4();

async function page(
  c: Nfs4Client,
  dir: Buffer | null,
  cookie: bigint,
  verifier: Buffer,
  maxcount: number,
  dircount = maxcount,
) {
  const rep = await c.call([
    dir === null ? op.putrootfh() : op.putfh(dir),
    op.readdir(cookie, verifier, maxcount, [a.FATTR4_FILEID], dircount),
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

/** A new directory under `root` holding subdirectories e0..e{n-1}. */
async function dirWith(c: Nfs4Client, root: Buffer, n: number): Promise<Buffer> {
  const rep = await c.call([op.putfh(root), op.mkdir(uniq("d")), op.getfh()]);
  res(rep.r, k.OP_PUTFH);
  res(rep.r, k.OP_CREATE);
  rep.r.fixedOpaque(20);
  rep.r.array(8, (x) => x.uint32());
  res(rep.r, k.OP_GETFH);
  const fh = Buffer.from(rep.r.opaque(128));
  for (let i = 0; i < n; i++)
    expect((await c.call([op.putfh(fh), op.mkdir(`e${i}`)])).status).toBe(k.NFS4_OK);
  return fh;
}

describe("READDIR (RFC 8881 §18.23)", () => {
  it("lists a directory in pages without . and .., resuming at cookies", async () => {
    const { client, root } = h();
    const fh = await dirWith(client, root, 30);
    const want = Array.from({ length: 30 }, (_, i) => `e${i}`);
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

  it("honours dircount, refuses cookies 1 and 2 and a cookie with another verifier", async () => {
    const { client, root } = h();
    const fh = await dirWith(client, root, 10);
    // Each entry's dircount share is its cookie (8) and name "eN" (4 + 4): three fit 48 bytes.
    const three = await page(client, fh, 0n, Buffer.alloc(8), 65536, 48);
    expect(three).toMatchObject({ status: k.NFS4_OK, eof: false });
    expect(three.names).toHaveLength(3);
    // dircount 0 is no hint; a dircount below one entry still gets one.
    expect((await page(client, fh, 0n, Buffer.alloc(8), 65536, 0)).names).toHaveLength(10);
    expect((await page(client, fh, 0n, Buffer.alloc(8), 65536, 1)).names).toHaveLength(1);
    const last = three.cookies[2]!;
    const rest = await page(client, fh, last, three.verifier, 65536, 0);
    expect(rest).toMatchObject({ status: k.NFS4_OK, eof: true });
    expect([...three.names, ...rest.names].sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `e${i}`).sort(),
    );
    for (const cookie of [1n, 2n]) {
      expect((await page(client, fh, cookie, three.verifier, 65536)).status).toBe(k.NFS4ERR_BAD_COOKIE);
    }
    const wrong = Buffer.from(three.verifier.map((b) => b ^ 0xff));
    expect((await page(client, fh, last, wrong, 65536)).status).toBe(k.NFS4ERR_NOT_SAME);
    expect((await page(client, null, 3n, wrong, 65536)).status).toBe(k.NFS4ERR_NOT_SAME);
  });

  it("keeps the listing within the session's ca_maxresponsesize", async () => {
    const { client, root, server } = h();
    const fh = await dirWith(client, root, 30);
    const small = await Nfs4Client.connect(server.port);
    try {
      await small.createSession(uniq("small"), 1, { maxResponseSize: 1024 });
      const p = await page(small, fh, 0n, Buffer.alloc(8), 65536);
      expect(p).toMatchObject({ status: k.NFS4_OK, eof: false });
      expect(p.names.length).toBeGreaterThan(5);
    } finally {
      small.close();
    }
  });

  it("lists the pseudo root's shares", async () => {
    const { client } = h();
    const p = await page(client, null, 0n, Buffer.alloc(8), 4096);
    expect(p).toMatchObject({ status: k.NFS4_OK, names: ["export"], eof: true });
  });
});
