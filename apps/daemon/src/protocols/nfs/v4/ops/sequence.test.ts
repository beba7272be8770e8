import { describe, expect, it } from "vitest";
import * as k from "../constants.ts";
import { Nfs4Client, op, res } from "../testing/client.ts";
import { useNfs4 } from "../testing/harness.ts";

const h = useNfs4();

describe("SEQUENCE and the session reply cache (RFC 8881 §18.46, §2.10.6)", () => {
  it("answers a retried request from the slot's cache without running it again", async () => {
    const { client, root } = h();
    const name = `seq-${process.pid}`;
    const first = await client.compound(1, [client.sequence(), op.putfh(root), op.mkdir(name)]);
    expect(first.status).toBe(k.NFS4_OK);
    // The same sequence id again: the cached reply, byte for byte (a second MKDIR would be EXIST).
    const seq = client.lastSeq;
    const again = await client.compound(1, [client.sequence(seq), op.putfh(root), op.mkdir(name)]);
    expect(again.status).toBe(k.NFS4_OK);
    expect(again.r.buf.subarray(again.r.offset).equals(first.r.buf.subarray(first.r.offset))).toBe(true);
    const misordered = await client.compound(1, [client.sequence(seq + 5)]);
    expect(misordered.status).toBe(k.NFS4ERR_SEQ_MISORDERED);
    const next = await client.call([op.putfh(root), op.mkdir(name)]);
    expect(next.status).toBe(k.NFS4ERR_EXIST);
  });

  it("refuses an unknown session, a slot past the table and too many operations", async () => {
    const { client } = h();
    const bad = await client.compound(1, [
      (w) => w.uint32(k.OP_SEQUENCE).fixedOpaque(Buffer.alloc(16)).uint32(1).uint32(0).uint32(0).bool(false),
    ]);
    expect(bad.status).toBe(k.NFS4ERR_BADSESSION);
    const slot = await client.compound(1, [client.sequence(1, 99)]);
    expect(slot.status).toBe(k.NFS4ERR_BADSLOT);
    // The harness asked for 16 operations per COMPOUND at CREATE_SESSION.
    const many = await client.compound(1, [
      client.sequence(),
      ...Array.from({ length: 16 }, () => op.putrootfh()),
    ]);
    expect(many.status).toBe(k.NFS4ERR_TOO_MANY_OPS);
  });
});

describe("EXCHANGE_ID / CREATE_SESSION / DESTROY_SESSION / DESTROY_CLIENTID (RFC 8881 §18.35–37, §18.50)", () => {
  it("gives the same clientid to the same owner and verifier, and destroys in order", async () => {
    const { server } = h();
    const c = await Nfs4Client.connect(server.port);
    try {
      await c.createSession("owner-x");
      const first = c.clientId;
      const d = await Nfs4Client.connect(server.port);
      try {
        await d.createSession("owner-x");
        expect(d.clientId).toBe(first);
        // A client with sessions cannot go (CLIENTID_BUSY) until they are destroyed.
        const busy = await c.compound(1, [(w) => w.uint32(k.OP_DESTROY_CLIENTID).uint64(first)]);
        expect(busy.status).toBe(k.NFS4ERR_CLIENTID_BUSY);
        for (const s of [c, d]) {
          const id = s.sessionId!;
          const r = await s.compound(1, [(w) => w.uint32(k.OP_DESTROY_SESSION).fixedOpaque(id)]);
          expect(r.status).toBe(k.NFS4_OK);
        }
        const gone = await c.compound(1, [c.sequence()]);
        expect(gone.status).toBe(k.NFS4ERR_BADSESSION);
        const ok = await c.compound(1, [(w) => w.uint32(k.OP_DESTROY_CLIENTID).uint64(first)]);
        expect(ok.status).toBe(k.NFS4_OK);
        const stale = await c.compound(1, [(w) => w.uint32(k.OP_DESTROY_CLIENTID).uint64(first)]);
        expect(stale.status).toBe(k.NFS4ERR_STALE_CLIENTID);
      } finally {
        d.close();
      }
    } finally {
      c.close();
    }
  });

  it("answers a retried CREATE_SESSION with the same session and refuses a skipped sequence id", async () => {
    const { server } = h();
    const c = await Nfs4Client.connect(server.port);
    try {
      const x = await c.compound(1, [
        (w) =>
          w
            .uint32(k.OP_EXCHANGE_ID)
            .fixedOpaque(Buffer.alloc(8, 2))
            .string("cs-retry")
            .uint32(0)
            .uint32(0)
            .uint32(0),
      ]);
      res(x.r, k.OP_EXCHANGE_ID);
      const clientId = x.r.uint64();
      const seq = x.r.uint32();
      const create = (s: number) =>
        c.compound(1, [
          (w) => {
            w.uint32(k.OP_CREATE_SESSION).uint64(clientId).uint32(s).uint32(0);
            for (let i = 0; i < 2; i++)
              w.uint32(0).uint32(65536).uint32(65536).uint32(4096).uint32(8).uint32(1000).uint32(0);
            w.uint32(0x40000000).uint32(0);
          },
        ]);
      const a = await create(seq);
      const b = await create(seq);
      expect(a.status).toBe(k.NFS4_OK);
      res(a.r, k.OP_CREATE_SESSION);
      res(b.r, k.OP_CREATE_SESSION);
      const sa = Buffer.from(a.r.fixedOpaque(16));
      expect(Buffer.from(b.r.fixedOpaque(16)).equals(sa)).toBe(true);
      a.r.uint32();
      expect(a.r.uint32() & k.CREATE_SESSION4_FLAG_CONN_BACK_CHAN).toBe(0);
      a.r.uint32();
      a.r.uint32();
      a.r.uint32();
      a.r.uint32();
      a.r.uint32();
      // ca_maxrequests: the client's 1000 slots bounded by NFS4_SLOTS_MAX.
      expect(a.r.uint32()).toBe(k.NFS4_SLOTS_MAX);
      expect((await create(seq + 2)).status).toBe(k.NFS4ERR_SEQ_MISORDERED);
    } finally {
      c.close();
    }
  });
});
