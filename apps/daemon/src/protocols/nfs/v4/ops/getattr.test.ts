import { describe, expect, it } from "vitest";
import { uniq } from "../../testing/fixtures.ts";
import * as a from "../attrs/numbers.ts";
import * as k from "../constants.ts";
import { op, readFattr, res } from "../testing/client.ts";
import { useNfs4 } from "../testing/harness.ts";
import { bitmapList } from "../types.ts";

const h = useNfs4();

describe("GETATTR (RFC 8881 §18.7)", () => {
  it("answers the supported attributes in number order and leaves out unsupported ones", async () => {
    const { client, root } = h();
    const asked = [a.FATTR4_TYPE, a.FATTR4_SIZE, 12 /* acl: unsupported */, a.FATTR4_MODE, a.FATTR4_OWNER];
    const rep = await client.call([op.putfh(root), op.getattr(asked)]);
    res(rep.r, k.OP_PUTFH);
    expect(res(rep.r, k.OP_GETATTR)).toBe(k.NFS4_OK);
    const { mask, vals } = readFattr(rep.r);
    expect(bitmapList(mask)).toEqual([a.FATTR4_TYPE, a.FATTR4_SIZE, a.FATTR4_MODE, a.FATTR4_OWNER]);
    expect(vals.uint32()).toBe(k.NF4DIR);
    vals.uint64();
    expect(vals.uint32() & 0o777).toBe(0o777);
    expect(vals.string(64)).toBe("0");
    expect(vals.remaining).toBe(0);
  });

  it("moves the change attribute on a write made outside NFSv4 (the file service path SMB WRITE takes)", async () => {
    const { client, root, server } = h();
    const name = uniq();
    const made = await client.call([op.putfh(root), op.open(name, { create: true }), op.getfh()]);
    expect(made.status).toBe(k.NFS4_OK);
    const fh = await client.walk(`/export/${name}`);
    const change = async () => {
      const rep = await client.call([op.putfh(fh), op.getattr([a.FATTR4_CHANGE])]);
      res(rep.r, k.OP_PUTFH);
      res(rep.r, k.OP_GETATTR);
      return readFattr(rep.r).vals.uint64();
    };
    const before = await change();
    const { files } = server.ctx;
    const f = files.resolve({ uid: 0, gid: 0, gids: [], origin: "smb" }, fh);
    await files.write(f, { offset: 0n, data: Buffer.from("from smb"), stability: "file_sync" });
    expect(await change()).toBeGreaterThan(before);
  });

  it("answers every attribute supported_attrs lists (write-only time_*_set aside)", async () => {
    const { client, root } = h();
    const rep = await client.call([op.putfh(root), op.getattr([a.FATTR4_SUPPORTED_ATTRS])]);
    res(rep.r, k.OP_PUTFH);
    res(rep.r, k.OP_GETATTR);
    const supported = bitmapList(readFattr(rep.r).vals.array(8, (x) => x.uint32()));
    expect(supported).toContain(a.FATTR4_SUPPATTR_EXCLCREAT);
    const all = await client.call([op.putfh(root), op.getattr(supported)]);
    res(all.r, k.OP_PUTFH);
    res(all.r, k.OP_GETATTR);
    const writeOnly = [a.FATTR4_TIME_ACCESS_SET, a.FATTR4_TIME_MODIFY_SET];
    expect(bitmapList(readFattr(all.r).mask)).toEqual(supported.filter((n) => !writeOnly.includes(n)));
  });

  it("gives a share root its own fsid and the pseudo entry's mounted_on_fileid", async () => {
    const { client, root } = h();
    const asked = [a.FATTR4_FSID, a.FATTR4_FILEID, a.FATTR4_MOUNTED_ON_FILEID];
    const rep = await client.call([
      op.putrootfh(),
      op.getattr(asked),
      op.putfh(root),
      op.getattr(asked),
      op.putfh(root),
      op.mkdir(uniq()),
      op.getattr(asked),
    ]);
    expect(rep.status).toBe(k.NFS4_OK);
    const read = () => {
      const { vals } = readFattr(rep.r);
      return { fsid: vals.uint64(), minor: vals.uint64(), fileid: vals.uint64(), mountedOn: vals.uint64() };
    };
    res(rep.r, k.OP_PUTROOTFH);
    res(rep.r, k.OP_GETATTR);
    const pseudo = read();
    res(rep.r, k.OP_PUTFH);
    res(rep.r, k.OP_GETATTR);
    const share = read();
    expect(share.fsid).not.toBe(pseudo.fsid);
    expect(share.mountedOn).not.toBe(share.fileid);
    res(rep.r, k.OP_PUTFH);
    res(rep.r, k.OP_CREATE);
    rep.r.fixedOpaque(20);
    rep.r.array(8, (x) => x.uint32());
    res(rep.r, k.OP_GETATTR);
    const sub = read();
    expect(sub.fsid).toBe(share.fsid);
    expect(sub.mountedOn).toBe(sub.fileid);
  });
});
