import { describe, expect, it } from "vitest";
import * as k from "../constants.ts";
import { op, readStateid, res } from "../testing/client.ts";
import { useNfs4 } from "../testing/harness.ts";

const h = useNfs4();

describe("v4.0 client identity: SETCLIENTID / SETCLIENTID_CONFIRM / RENEW / OPEN_CONFIRM (RFC 7530 §16)", () => {
  it("confirms a clientid, renews it, and opens with it", async () => {
    const { client, root } = h();
    const set = await client.compound(0, [
      (w) => {
        w.uint32(k.OP_SETCLIENTID).fixedOpaque(Buffer.alloc(8, 3)).string("v40-client");
        w.uint32(0x40000000).string("tcp").string("10.0.0.1.3.4").uint32(1);
      },
    ]);
    expect(res(set.r, k.OP_SETCLIENTID)).toBe(k.NFS4_OK);
    const clientId = set.r.uint64();
    const verifier = Buffer.from(set.r.fixedOpaque(8));
    const renewEarly = await client.compound(0, [(w) => w.uint32(k.OP_RENEW).uint64(clientId)]);
    expect(renewEarly.status).toBe(k.NFS4ERR_STALE_CLIENTID);
    const wrong = await client.compound(0, [
      (w) => w.uint32(k.OP_SETCLIENTID_CONFIRM).uint64(clientId).fixedOpaque(Buffer.alloc(8)),
    ]);
    expect(wrong.status).toBe(k.NFS4ERR_STALE_CLIENTID);
    const confirm = await client.compound(0, [
      (w) => w.uint32(k.OP_SETCLIENTID_CONFIRM).uint64(clientId).fixedOpaque(verifier),
    ]);
    expect(confirm.status).toBe(k.NFS4_OK);
    expect((await client.compound(0, [(w) => w.uint32(k.OP_RENEW).uint64(clientId)])).status).toBe(k.NFS4_OK);
    const name = `v40-${process.pid}`;
    const opened = await client.compound(0, [op.putfh(root), op.open(name, { create: true, clientId })]);
    expect(opened.status).toBe(k.NFS4_OK);
    res(opened.r, k.OP_PUTFH);
    res(opened.r, k.OP_OPEN);
    const stateid = readStateid(opened.r);
    const oc = await client.compound(0, [
      op.putfh(root),
      op.lookup(name),
      (w) => w.uint32(k.OP_OPEN_CONFIRM).uint32(stateid.seqid).fixedOpaque(stateid.other).uint32(1),
    ]);
    expect(oc.status).toBe(k.NFS4_OK);
    res(oc.r, k.OP_PUTFH);
    res(oc.r, k.OP_LOOKUP);
    res(oc.r, k.OP_OPEN_CONFIRM);
    const confirmed = readStateid(oc.r);
    expect(confirmed.seqid).toBe(stateid.seqid + 1);
    // v4.0 CLOSE answers the stateid with its seqid advanced; an old seqid is OLD_STATEID (which
    // still uses up the open-owner's seqid 2: RFC 7530 §9.1.7).
    const old = await client.compound(0, [op.putfh(root), op.lookup(name), op.close(stateid, 2)]);
    expect(old.status).toBe(k.NFS4ERR_OLD_STATEID);
    const closed = await client.compound(0, [op.putfh(root), op.lookup(name), op.close(confirmed, 3)]);
    expect(closed.status).toBe(k.NFS4_OK);
    const unknown = await client.compound(0, [op.putfh(root), op.open(name, { clientId: 12345n })]);
    expect(unknown.status).toBe(k.NFS4ERR_STALE_CLIENTID);
  });
});
