import { describe, expect, it } from "vitest";
import { uniq } from "../../testing/fixtures.ts";
import * as k from "../constants.ts";
import { op, res } from "../testing/client.ts";
import { useNfs4 } from "../testing/harness.ts";

const h = useNfs4();

describe("CREATE / REMOVE / RENAME / LINK / READLINK (RFC 8881 §18.4, §18.25, §18.26, §18.9, §18.24)", () => {
  it("makes a tree, renames across directories, links, reads a symlink and removes it all", async () => {
    const { client, root } = h();
    const [a, b] = [uniq("a"), uniq("b")];
    const made = await client.call([
      op.putfh(root),
      op.mkdir(a),
      op.putfh(root),
      op.mkdir(b),
      op.putfh(root),
      op.lookup(a),
      op.open("f", { create: true }),
      op.putfh(root),
      op.lookup(a),
      op.symlink("s", "f"),
      op.readlink(),
    ]);
    expect(made.status).toBe(k.NFS4_OK);
    for (const o of [k.OP_PUTFH, k.OP_CREATE, k.OP_PUTFH, k.OP_CREATE, k.OP_PUTFH, k.OP_LOOKUP]) {
      res(made.r, o);
      if (o === k.OP_CREATE) {
        made.r.fixedOpaque(20);
        made.r.array(8, (x) => x.uint32());
      }
    }
    const mv = await client.call([
      op.putfh(root),
      op.lookup(a),
      op.savefh(),
      op.putfh(root),
      op.lookup(b),
      op.rename("f", "g"),
      op.putfh(root),
      op.lookup(b),
      op.lookup("g"),
      op.savefh(),
      op.putfh(root),
      op.lookup(a),
      op.link("hard"),
      op.lookup("hard"),
      op.getattr([35]),
    ]);
    expect(mv.status).toBe(k.NFS4_OK);
    const missing = await client.call([op.putfh(root), op.lookup(a), op.lookup("f")]);
    expect(missing.status).toBe(k.NFS4ERR_NOENT);
    const notEmpty = await client.call([op.putfh(root), op.remove(a)]);
    expect(notEmpty.status).toBe(k.NFS4ERR_NOTEMPTY);
    const rm = await client.call([
      op.putfh(root),
      op.lookup(a),
      op.remove("s"),
      op.remove("hard"),
      op.putfh(root),
      op.remove(a),
      op.putfh(root),
      op.lookup(b),
      op.remove("g"),
      op.putfh(root),
      op.remove(b),
    ]);
    expect(rm.status).toBe(k.NFS4_OK);
  });

  it("refuses bad names, a regular file through CREATE and RENAME without a saved filehandle", async () => {
    const { client, root } = h();
    expect((await client.call([op.putfh(root), op.mkdir("..")])).status).toBe(k.NFS4ERR_BADNAME);
    expect((await client.call([op.putfh(root), op.mkdir("a/b")])).status).toBe(k.NFS4ERR_BADNAME);
    expect((await client.call([op.putfh(root), op.lookup("")])).status).toBe(k.NFS4ERR_INVAL);
    expect((await client.call([op.putfh(root), op.lookup("x".repeat(256))])).status).toBe(
      k.NFS4ERR_NAMETOOLONG,
    );
    const reg = await client.call([
      op.putfh(root),
      (w) => {
        w.uint32(k.OP_CREATE).uint32(k.NF4REG).string("r").uint32(0).opaque(Buffer.alloc(0));
      },
    ]);
    expect(reg.status).toBe(k.NFS4ERR_BADTYPE);
    expect((await client.call([op.putfh(root), op.rename("a", "b")])).status).toBe(k.NFS4ERR_NOFILEHANDLE);
    expect((await client.call([op.putfh(root), op.readlink()])).status).toBe(k.NFS4ERR_INVAL);
  });
});
