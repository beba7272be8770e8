import { describe, expect, it } from "vitest";
import { uniq } from "../../testing/fixtures.ts";
import * as a from "../attrs/numbers.ts";
import * as k from "../constants.ts";
import type { ChannelAttrs } from "../state/sessions.ts";
import { ANONYMOUS_STATEID, Nfs4Client, op, readFattr, res } from "../testing/client.ts";
import { useNfs4 } from "../testing/harness.ts";

const h = useNfs4();

/** A second client with its own session asking for `fore`; closed by the caller. */
async function sessionWith(fore: Partial<ChannelAttrs>): Promise<{ c: Nfs4Client; granted: ChannelAttrs }> {
  const c = await Nfs4Client.connect(h().server.port);
  try {
    return { c, granted: await c.createSession(uniq("limits"), 2, fore) };
  } catch (e) {
    c.close();
    throw e;
  }
}

/** A file under /export holding `size` bytes, written through the harness's own session. */
async function fileOf(size: number): Promise<Buffer> {
  const { client, root } = h();
  const rep = await client.call([op.putfh(root), op.open(uniq("f"), { create: true }), op.getfh()]);
  expect(rep.status).toBe(k.NFS4_OK);
  res(rep.r, k.OP_PUTFH);
  res(rep.r, k.OP_OPEN);
  rep.r.uint32();
  rep.r.fixedOpaque(12);
  rep.r.fixedOpaque(20);
  rep.r.uint32();
  rep.r.array(8, (x) => x.uint32());
  rep.r.uint32();
  res(rep.r, k.OP_GETFH);
  const fh = Buffer.from(rep.r.opaque(128));
  const w = await client.call([op.putfh(fh), op.write(ANONYMOUS_STATEID, 0, Buffer.alloc(size, 7))]);
  expect(w.status).toBe(k.NFS4_OK);
  return fh;
}

/** A symlink under /export whose target is `len` bytes long: READLINK's reply carries it. */
async function symlinkOf(len: number): Promise<string> {
  const { client, root } = h();
  const name = uniq("l");
  const rep = await client.call([op.putfh(root), op.symlink(name, "t".repeat(len))]);
  expect(rep.status).toBe(k.NFS4_OK);
  return name;
}

async function sizeOf(c: Nfs4Client, seq: number, fh: Buffer): Promise<bigint> {
  const rep = await c.compound(1, [c.sequence(seq), op.putfh(fh), op.getattr([a.FATTR4_SIZE])]);
  expect(rep.status).toBe(k.NFS4_OK);
  res(rep.r, k.OP_SEQUENCE);
  rep.r.fixedOpaque(16);
  for (let i = 0; i < 5; i++) rep.r.uint32();
  res(rep.r, k.OP_PUTFH);
  res(rep.r, k.OP_GETATTR);
  return readFattr(rep.r).vals.uint64();
}

describe("the fore channel's negotiated sizes, per request (RFC 8881 §2.10.6.4, §18.36)", () => {
  it("grants at most the server's named limits and refuses sizes too small for a SEQUENCE", async () => {
    const max = 0xffff_ffff;
    const { c, granted } = await sessionWith({
      maxRequestSize: max,
      maxResponseSize: max,
      maxResponseSizeCached: max,
      maxOperations: max,
    });
    c.close();
    expect(granted).toEqual({
      headerPadSize: 0,
      maxRequestSize: k.NFS4_REQUEST_MAX,
      maxResponseSize: k.NFS4_RESPONSE_MAX,
      maxResponseSizeCached: k.NFS4_CACHED_REPLY_MAX,
      maxOperations: k.COMPOUND_OPS_MAX,
      maxRequests: 2,
    });
    await expect(sessionWith({ maxRequestSize: 100 })).rejects.toThrow(`failed: ${k.NFS4ERR_TOOSMALL}`);
    await expect(sessionWith({ maxResponseSize: 100 })).rejects.toThrow(`failed: ${k.NFS4ERR_TOOSMALL}`);
  });

  it("refuses a request over ca_maxrequestsize with REQ_TOO_BIG, before the slot or the write", async () => {
    const fh = await fileOf(0);
    const { c } = await sessionWith({ maxRequestSize: 1024 });
    try {
      const big = await c.compound(1, [
        c.sequence(1),
        op.putfh(fh),
        op.write(ANONYMOUS_STATEID, 0, Buffer.alloc(2048, 1)),
      ]);
      expect(big.status).toBe(k.NFS4ERR_REQ_TOO_BIG);
      expect(big.count).toBe(1);
      expect(res(big.r, k.OP_SEQUENCE)).toBe(k.NFS4ERR_REQ_TOO_BIG);
      // The slot still expects sequence id 1, and nothing was written.
      expect(await sizeOf(c, 1, fh)).toBe(0n);
      const small = await c.compound(1, [
        c.sequence(2),
        op.putfh(fh),
        op.write(ANONYMOUS_STATEID, 0, Buffer.alloc(512, 1)),
      ]);
      expect(small.status).toBe(k.NFS4_OK);
    } finally {
      c.close();
    }
  });

  it("refuses more operations than ca_maxoperations with TOO_MANY_OPS, leaving the slot as it was", async () => {
    const { c } = await sessionWith({ maxOperations: 3 });
    try {
      const many = await c.compound(1, [c.sequence(1), op.putrootfh(), op.getfh(), op.getfh()]);
      expect(many.status).toBe(k.NFS4ERR_TOO_MANY_OPS);
      const ok = await c.compound(1, [c.sequence(1), op.putrootfh(), op.getfh()]);
      expect(ok.status).toBe(k.NFS4_OK);
    } finally {
      c.close();
    }
  });

  it("fails the operation whose result would pass ca_maxresponsesize with REP_TOO_BIG", async () => {
    const { root } = h();
    const link = await symlinkOf(900);
    const { c } = await sessionWith({ maxResponseSize: 768 });
    try {
      const rep = await c.compound(1, [c.sequence(), op.putfh(root), op.lookup(link), op.readlink()]);
      expect(rep.status).toBe(k.NFS4ERR_REP_TOO_BIG);
      expect(rep.count).toBe(4);
      res(rep.r, k.OP_SEQUENCE);
      rep.r.fixedOpaque(16);
      for (let i = 0; i < 5; i++) rep.r.uint32();
      expect(res(rep.r, k.OP_PUTFH)).toBe(k.NFS4_OK);
      expect(res(rep.r, k.OP_LOOKUP)).toBe(k.NFS4_OK);
      expect(res(rep.r, k.OP_READLINK)).toBe(k.NFS4ERR_REP_TOO_BIG);
      expect(rep.r.remaining).toBe(0);
    } finally {
      c.close();
    }
  });

  it("shortens a READ to what ca_maxresponsesize leaves room for", async () => {
    const fh = await fileOf(4096);
    const { c } = await sessionWith({ maxResponseSize: 1024 });
    try {
      const rep = await c.call([op.putfh(fh), op.read(ANONYMOUS_STATEID, 0, 4096)]);
      expect(rep.status).toBe(k.NFS4_OK);
      res(rep.r, k.OP_PUTFH);
      res(rep.r, k.OP_READ);
      expect(rep.r.bool()).toBe(false);
      const data = rep.r.opaque(4096);
      expect(data.length).toBeGreaterThan(512);
      // The whole RPC reply (the 4-byte record mark aside) stays within the granted size.
      expect(rep.r.buf.length).toBeLessThanOrEqual(1024);
    } finally {
      c.close();
    }
  });

  it("answers REP_TOO_BIG_TO_CACHE when sa_cachethis asks to cache a reply past ca_maxresponsesize_cached", async () => {
    const { root } = h();
    const link = await symlinkOf(900);
    const { c } = await sessionWith({ maxResponseSizeCached: 600 });
    const readlink = (seq: number, cacheThis: boolean) =>
      c.compound(1, [c.sequence(seq, 0, cacheThis), op.putfh(root), op.lookup(link), op.readlink()]);
    try {
      expect((await readlink(1, true)).status).toBe(k.NFS4ERR_REP_TOO_BIG_TO_CACHE);
      // Without sa_cachethis it is answered, but not kept: its retry is RETRY_UNCACHED_REP.
      expect((await readlink(2, false)).status).toBe(k.NFS4_OK);
      const retry = await readlink(2, false);
      expect(retry.status).toBe(k.NFS4ERR_RETRY_UNCACHED_REP);
    } finally {
      c.close();
    }
  });
});
