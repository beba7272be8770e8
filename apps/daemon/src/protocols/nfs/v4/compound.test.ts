import { describe, expect, it } from "vitest";
import { shareInfo } from "../testing/context.ts";
import * as k from "./constants.ts";
import { Nfs4Client, op, res } from "./testing/client.ts";
import { useNfs4 } from "./testing/harness.ts";

const h = useNfs4({ shares: [shareInfo("/export"), shareInfo("/a/b")] });

describe("COMPOUND (RFC 8881 §16.2)", () => {
  it("echoes the tag and answers NULL", async () => {
    const { client } = h();
    const rep = await client.compound(1, [], "hello");
    expect(rep).toMatchObject({ status: k.NFS4_OK, tag: "hello", count: 0 });
  });

  it("refuses a minor version it does not serve with no results", async () => {
    const { client } = h();
    const rep = await client.compound(3, [op.putrootfh()]);
    expect(rep).toMatchObject({ status: k.NFS4ERR_MINOR_VERS_MISMATCH, count: 0 });
  });

  it("bounds the operations of one COMPOUND (RESOURCE in 4.0, TOO_MANY_OPS in 4.1)", async () => {
    const { client } = h();
    const many = Array.from({ length: k.COMPOUND_OPS_MAX + 1 }, () => op.putrootfh());
    expect((await client.compound(0, many)).status).toBe(k.NFS4ERR_RESOURCE);
    expect((await client.compound(1, many)).status).toBe(k.NFS4ERR_TOO_MANY_OPS);
    const ok = await client.compound(0, many.slice(1));
    expect(ok).toMatchObject({ status: k.NFS4_OK, count: k.COMPOUND_OPS_MAX });
  });

  it("stops at the first failure and answers OP_ILLEGAL / NOTSUPP / NOFILEHANDLE", async () => {
    const { client } = h();
    const illegal = await client.compound(0, [op.putrootfh(), op.raw(k.OP_RECLAIM_COMPLETE), op.getfh()]);
    expect(illegal).toMatchObject({ status: k.NFS4ERR_OP_ILLEGAL, count: 2 });
    expect(res(illegal.r, k.OP_PUTROOTFH)).toBe(k.NFS4_OK);
    expect(res(illegal.r, k.OP_ILLEGAL)).toBe(k.NFS4ERR_OP_ILLEGAL);
    const openattr = await client.call([op.putrootfh(), op.raw(k.OP_OPENATTR)]);
    expect(openattr.status).toBe(k.NFS4ERR_NOTSUPP);
    const nofh = await client.compound(0, [op.getfh()]);
    expect(nofh.status).toBe(k.NFS4ERR_NOFILEHANDLE);
    // v4.0-only operations are NOTSUPP in 4.1 (RFC 8881 §18 "MUST NOT implement").
    const renew = await client.call([(w) => w.uint32(k.OP_RENEW).uint64(1n)]);
    expect(renew.status).toBe(k.NFS4ERR_NOTSUPP);
  });

  it("v4.2 SEEK/ALLOCATE/DEALLOCATE are NOTSUPP (the payload has no hole map); OP_ILLEGAL in 4.1", async () => {
    const { client } = h();
    for (const opnum of [k.OP_SEEK, k.OP_ALLOCATE, k.OP_DEALLOCATE]) {
      expect((await client.call([op.putrootfh(), op.raw(opnum)], 2)).status).toBe(k.NFS4ERR_NOTSUPP);
      expect((await client.call([op.putrootfh(), op.raw(opnum)], 1)).status).toBe(k.NFS4ERR_OP_ILLEGAL);
    }
  });

  it("answers BADXDR for truncated arguments", async () => {
    const { client } = h();
    const rep = await client.compound(0, [(w) => w.uint32(k.OP_PUTFH).uint32(200)]);
    expect(rep.status).toBe(k.NFS4ERR_BADXDR);
  });

  it("v4.1: SEQUENCE first, session-less operations alone", async () => {
    const { client } = h();
    expect((await client.compound(1, [op.putrootfh()])).status).toBe(k.NFS4ERR_OP_NOT_IN_SESSION);
    const twice = await client.compound(1, [client.sequence(), op.putrootfh(), client.sequence(1)]);
    expect(twice.status).toBe(k.NFS4ERR_SEQUENCE_POS);
    const notOnly = await client.compound(1, [
      (w) => w.uint32(k.OP_DESTROY_CLIENTID).uint64(1n),
      op.putrootfh(),
    ]);
    expect(notOnly.status).toBe(k.NFS4ERR_NOT_ONLY_OP);
  });

  it("counts v4 operations in the adapter metrics", async () => {
    const { client, server } = h();
    await client.call([op.putrootfh(), op.getfh()]);
    expect(server.ctx.metrics.ops.get("nfs.nfs4.GETFH")?.ok).toBeGreaterThan(0);
    expect(server.ctx.metrics.ops.get("nfs.nfs4.COMPOUND")?.ok).toBeGreaterThan(0);
  });
});

describe("pseudo file system (RFC 8881 §7.3)", () => {
  it("walks from the root into shares and back up with LOOKUPP", async () => {
    const { client, root } = h();
    const deep = await client.walk("/a/b");
    expect(deep.equals(h().server.ctx.metadata.rootHandle("/a/b"))).toBe(true);
    expect(root.equals(h().server.ctx.metadata.rootHandle("/export"))).toBe(true);
    const up = await client.call([op.putfh(deep), op.lookupp(), op.lookupp(), op.getfh()]);
    expect(up.status).toBe(k.NFS4_OK);
    res(up.r, k.OP_PUTFH);
    res(up.r, k.OP_LOOKUPP);
    res(up.r, k.OP_LOOKUPP);
    res(up.r, k.OP_GETFH);
    const rootFh = Buffer.from(up.r.opaque(128));
    const top = await client.call([op.putrootfh(), op.getfh()]);
    res(top.r, k.OP_PUTROOTFH);
    res(top.r, k.OP_GETFH);
    expect(Buffer.from(top.r.opaque(128)).equals(rootFh)).toBe(true);
    const noParent = await client.call([op.putrootfh(), op.lookupp()]);
    expect(noParent.status).toBe(k.NFS4ERR_NOENT);
  });

  it("hides a share the caller's address may not mount", async () => {
    const { client, server } = h();
    await server.addShare(shareInfo("/hidden", { nfsClients: [{ host: "10.9.9.9", access: "read-write" }] }));
    const rep = await client.call([op.putrootfh(), op.lookup("hidden")]);
    expect(rep.status).toBe(k.NFS4ERR_NOENT);
    const fresh = await Nfs4Client.connect(server.port);
    try {
      await fresh.createSession();
      const vis = await fresh.call([op.putrootfh(), op.lookup("export")]);
      expect(vis.status).toBe(k.NFS4_OK);
    } finally {
      fresh.close();
    }
  });

  it("is read-only", async () => {
    const { client } = h();
    const rep = await client.call([op.putrootfh(), op.mkdir("x")]);
    expect(rep.status).toBe(k.NFS4ERR_ROFS);
  });
});
