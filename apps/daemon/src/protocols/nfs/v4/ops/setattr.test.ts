import { describe, expect, it } from "vitest";
import { uniq } from "../../testing/fixtures.ts";
import { XdrWriter } from "../../xdr/writer.ts";
import * as a from "../attrs/numbers.ts";
import * as k from "../constants.ts";
import { ANONYMOUS_STATEID, op, readFattr, res } from "../testing/client.ts";
import { useNfs4 } from "../testing/harness.ts";
import { bitmapList, bitmapOf, encodeBitmap } from "../types.ts";

const h = useNfs4();

function setattr(attrs: number[], vals: (w: XdrWriter) => void) {
  return (w: XdrWriter) => {
    w.uint32(k.OP_SETATTR).uint32(0).fixedOpaque(ANONYMOUS_STATEID.other);
    encodeBitmap(w, bitmapOf(attrs));
    const v = new XdrWriter();
    vals(v);
    w.opaque(v.toBuffer());
  };
}

describe("SETATTR (RFC 8881 §18.30)", () => {
  it("sets size, mode, owner, group and times and reports what it set", async () => {
    const { client, root } = h();
    const name = uniq();
    const attrs = [
      a.FATTR4_SIZE,
      a.FATTR4_MODE,
      a.FATTR4_OWNER,
      a.FATTR4_OWNER_GROUP,
      a.FATTR4_TIME_MODIFY_SET,
    ];
    const rep = await client.call([
      op.putfh(root),
      op.open(name, { create: true }),
      setattr(attrs, (v) =>
        v.uint64(1000).uint32(0o640).string("1234").string("5678@example.org").uint32(1).int64(7n).uint32(9),
      ),
      op.getattr([a.FATTR4_SIZE, a.FATTR4_MODE, a.FATTR4_OWNER, a.FATTR4_OWNER_GROUP, a.FATTR4_TIME_MODIFY]),
    ]);
    expect(rep.status).toBe(k.NFS4_OK);
    res(rep.r, k.OP_PUTFH);
    res(rep.r, k.OP_OPEN);
    rep.r.fixedOpaque(16 + 20);
    rep.r.uint32();
    rep.r.array(8, (x) => x.uint32());
    rep.r.uint32();
    res(rep.r, k.OP_SETATTR);
    expect(bitmapList(rep.r.array(8, (x) => x.uint32()))).toEqual(attrs);
    res(rep.r, k.OP_GETATTR);
    const { vals } = readFattr(rep.r);
    expect(vals.uint64()).toBe(1000n);
    expect(vals.uint32()).toBe(0o640);
    expect(vals.string(64)).toBe("1234");
    expect(vals.string(64)).toBe("5678");
    expect([vals.int64(), vals.uint32()]).toEqual([7n, 9]);
  });

  it("refuses read-only and unsupported attributes with an empty attrsset", async () => {
    const { client, root } = h();
    const ro = await client.call([op.putfh(root), setattr([a.FATTR4_TYPE], (v) => v.uint32(1))]);
    expect(ro.status).toBe(k.NFS4ERR_INVAL);
    res(ro.r, k.OP_PUTFH);
    expect(res(ro.r, k.OP_SETATTR)).toBe(k.NFS4ERR_INVAL);
    expect(ro.r.uint32()).toBe(0);
    const acl = await client.call([op.putfh(root), setattr([12], () => {})]);
    expect(acl.status).toBe(k.NFS4ERR_ATTRNOTSUPP);
    const owner = await client.call([
      op.putfh(root),
      setattr([a.FATTR4_OWNER], (v) => v.string("nobody@else")),
    ]);
    expect(owner.status).toBe(k.NFS4ERR_BADOWNER);
    const short = await client.call([op.putfh(root), setattr([a.FATTR4_SIZE], (v) => v.uint32(1))]);
    expect(short.status).toBe(k.NFS4ERR_BADXDR);
    const pseudo = await client.call([op.putrootfh(), setattr([a.FATTR4_MODE], (v) => v.uint32(0o700))]);
    expect(pseudo.status).toBe(k.NFS4ERR_ROFS);
  });
});
