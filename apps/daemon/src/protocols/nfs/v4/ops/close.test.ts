import { expect, it } from "vitest";
import { uniq } from "../../testing/fixtures.ts";
import * as a from "../attrs/numbers.ts";
import * as k from "../constants.ts";
import { Nfs4Client, op, readOpenResult, res } from "../testing/client.ts";
import { useNfs4 } from "../testing/harness.ts";

const h = useNfs4();

it("an open keeps a file removed by another client readable through its stateid until CLOSE", async () => {
  const { client, root, server } = h();
  const name = uniq();
  const o = await client.call([op.putfh(root), op.open(name, { create: true }), op.getfh()]);
  expect(o.status).toBe(k.NFS4_OK);
  res(o.r, k.OP_PUTFH);
  res(o.r, k.OP_OPEN);
  const stateid = readOpenResult(o.r);
  res(o.r, k.OP_GETFH);
  const fh = Buffer.from(o.r.opaque(128));
  const data = Buffer.from("still here after REMOVE");
  const w = await client.call([op.putfh(fh), op.write(stateid, 0, data, k.UNSTABLE4), op.commit()]);
  expect(w.status).toBe(k.NFS4_OK);

  // Another client (its own session, as a second machine would be) removes the name.
  const other = await Nfs4Client.connect(server.port);
  try {
    await other.createSession();
    const rm = await other.call([op.putfh(root), op.remove(name)]);
    expect(rm.status).toBe(k.NFS4_OK);
    const gone = await other.call([op.putfh(root), op.lookup(name)]);
    expect(gone.status).toBe(k.NFS4ERR_NOENT);
  } finally {
    other.close();
  }

  // The open still reads what was written (the data was not dropped with the name).
  const r = await client.call([op.putfh(fh), op.read(stateid, 0, 100)]);
  expect(r.status).toBe(k.NFS4_OK);
  res(r.r, k.OP_PUTFH);
  res(r.r, k.OP_READ);
  expect(r.r.bool()).toBe(true);
  expect(Buffer.from(r.r.opaque(100)).equals(data)).toBe(true);

  // CLOSE drops the last reference: the file is gone, its handle stale.
  const c = await client.call([op.putfh(fh), op.close(stateid)]);
  expect(c.status).toBe(k.NFS4_OK);
  const after = await client.call([op.putfh(fh), op.getattr([a.FATTR4_SIZE])]);
  expect(after.status).toBe(k.NFS4ERR_STALE);
});
