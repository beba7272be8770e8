/**
 * Issue 17 for NFSv4 state: what one client address can make the server keep. Client records are
 * capped per address (NFS4_CLIENTS_PER_ADDRESS_MAX) as well as in total, so a host that
 * introduces itself a thousand times (127.0.0.2 here) cannot fill the table and lock out a real
 * client; past the cap its oldest unconfirmed record goes. And the reply cache the sessions are
 * granted is bounded (NFS4_REPLY_CACHE_PER_CLIENT_MAX, _TOTAL_MAX): a session past it gets fewer
 * slots, not more memory. And open stateids (one per open-owner and file) are capped per client
 * and in total, so a client naming new owners cannot grow them for as long as it renews its lease.
 * Real sockets against a real NFS server.
 */
import { describe, expect, it } from "vitest";
import { RpcClient } from "../../rpc/client.ts";
import { uniq } from "../../testing/fixtures.ts";
import * as k from "../constants.ts";
import { Nfs4Client, op, res } from "../testing/client.ts";
import { useNfs4 } from "../testing/harness.ts";

const h = useNfs4();

/** EXCHANGE_ID (v4.1, SP4_NONE) for `owner`: its status and, when OK, the clientid and sequence. */
async function exchangeId(
  c: Nfs4Client,
  owner: string,
): Promise<{ status: number; clientId: bigint; seq: number }> {
  const rep = await c.compound(1, [
    (w) =>
      w
        .uint32(k.OP_EXCHANGE_ID)
        .fixedOpaque(Buffer.alloc(8, 1))
        .string(owner)
        .uint32(0)
        .uint32(k.SP4_NONE)
        .uint32(0),
  ]);
  const status = res(rep.r, k.OP_EXCHANGE_ID);
  if (status !== k.NFS4_OK) return { status, clientId: 0n, seq: 0 };
  return { status, clientId: rep.r.uint64(), seq: rep.r.uint32() };
}

describe("NFSv4 state a client address can make the server keep", () => {
  it("caps client records per address: 1,100 introductions from one host leave room for another", async () => {
    const hostile = new Nfs4Client(
      await RpcClient.connect(h().server.port, "127.0.0.1", undefined, "127.0.0.2"),
    );
    const real = await Nfs4Client.connect(h().server.port);
    try {
      const first = await exchangeId(hostile, uniq("flood"));
      expect(first.status).toBe(k.NFS4_OK);
      for (let i = 0; i < 1100; i++)
        expect((await exchangeId(hostile, uniq("flood"))).status).toBe(k.NFS4_OK);
      // The real client (another address) still gets a record and a session.
      await real.createSession(uniq("real"));
      // The flood's oldest unconfirmed record made room for its newer ones: gone.
      const cs = await hostile.compound(1, [
        (w) => {
          w.uint32(k.OP_CREATE_SESSION).uint64(first.clientId).uint32(first.seq).uint32(0);
          for (let j = 0; j < 2; j++)
            w.uint32(0)
              .uint32(1 << 20)
              .uint32(1 << 20)
              .uint32(8192)
              .uint32(8)
              .uint32(1)
              .uint32(0);
          w.uint32(0x40000000).uint32(1).uint32(0);
        },
      ]);
      expect(res(cs.r, k.OP_CREATE_SESSION)).toBe(k.NFS4ERR_STALE_CLIENTID);
    } finally {
      hostile.close();
      real.close();
    }
  });

  it("grants a client's sessions at most NFS4_REPLY_CACHE_PER_CLIENT_MAX of reply cache: fewer slots past it", async () => {
    const c = await Nfs4Client.connect(h().server.port);
    try {
      const owner = uniq("cache");
      const ask = { maxResponseSizeCached: k.NFS4_CACHED_REPLY_MAX };
      // 64 slots × 64 KiB = 4 MiB each: two fit the client's 8 MiB, the third gets one slot.
      expect((await c.createSession(owner, k.NFS4_SLOTS_MAX, ask)).maxRequests).toBe(k.NFS4_SLOTS_MAX);
      expect((await c.createSession(owner, k.NFS4_SLOTS_MAX, ask)).maxRequests).toBe(k.NFS4_SLOTS_MAX);
      const third = await c.createSession(owner, k.NFS4_SLOTS_MAX, ask);
      expect(third.maxRequests).toBe(1);
    } finally {
      c.close();
    }
  });

  it("caps one client's open stateids at NFS4_OPENS_PER_CLIENT_MAX; other clients still open", async () => {
    const { client, root } = h();
    const name = uniq("opens");
    const made = await client.call([op.putfh(root), op.open(name, { create: true, owner: uniq("o") })]);
    expect(made.status).toBe(k.NFS4_OK);
    const hog = await Nfs4Client.connect(h().server.port);
    const slots = 64;
    try {
      await hog.createSession(uniq("hog"), slots);
      const seqs = Array<number>(slots).fill(0);
      const openAs = async (slot: number, owner: string) => {
        seqs[slot]! += 1;
        const rep = await hog.compound(1, [
          hog.sequence(seqs[slot], slot),
          op.putfh(root),
          op.open(name, { owner }),
        ]);
        return rep.status;
      };
      // One OPEN per new owner, 64 at a time (one per slot).
      for (let i = 0; i < k.NFS4_OPENS_PER_CLIENT_MAX; i += slots) {
        const batch = Array.from({ length: Math.min(slots, k.NFS4_OPENS_PER_CLIENT_MAX - i) }, (_, j) =>
          openAs(j, `owner-${i + j}`),
        );
        expect(new Set(await Promise.all(batch))).toEqual(new Set([k.NFS4_OK]));
      }
      expect(await openAs(0, "one-too-many")).toBe(k.NFS4ERR_RESOURCE);
      // The refused OPEN took no share reservation and the cap is per client.
      const other = await client.call([op.putfh(root), op.open(name, { owner: uniq("o") })]);
      expect(other.status).toBe(k.NFS4_OK);
    } finally {
      hog.close();
    }
  });
});
