/**
 * OPEN past the file service's open-file limit (a metadata service holding at most 2 files open):
 * RESOURCE in v4.0, DELAY in v4.1 (ops/open.ts), and nothing of the failed open stays behind — once
 * another open closes, the same OPEN succeeds (in v4.0 with the open-owner's seqid unchanged,
 * RESOURCE being one of the errors that do not advance it: RFC 7530 §9.1.7).
 */
import { describe, expect, it } from "vitest";
import { uniq } from "../../testing/fixtures.ts";
import * as k from "../constants.ts";
import {
  type CompoundReply,
  type Nfs4Client,
  op,
  readOpenResult,
  res,
  type Stateid,
} from "../testing/client.ts";
import { useNfs4 } from "../testing/harness.ts";

const h = useNfs4({ openRefsMax: 2 });

type Send = (ops: Parameters<Nfs4Client["call"]>[0]) => Promise<CompoundReply>;

/** PUTFH(root) + OPEN(create) of `name`; the open stateid, or the failing status. */
async function openFile(
  send: Send,
  root: Buffer,
  name: string,
  o: { clientId?: bigint; owner?: string } = {},
): Promise<Stateid | number> {
  const rep = await send([op.putfh(root), op.open(name, { create: true, ...o })]);
  if (rep.status !== k.NFS4_OK) return rep.status;
  res(rep.r, k.OP_PUTFH);
  res(rep.r, k.OP_OPEN);
  return readOpenResult(rep.r);
}

function opened(s: Stateid | number): Stateid {
  if (typeof s === "number") throw new Error(`OPEN failed: ${s}`);
  return s;
}

describe("OPEN past the open-file limit", () => {
  it("v4.1: DELAY, and the OPEN succeeds once another open closes", async () => {
    const { client, root } = h();
    const send: Send = (ops) => client.call(ops);
    const [a, b, c] = [uniq("a"), uniq("b"), uniq("c")];
    const sa = opened(await openFile(send, root, a));
    const sb = opened(await openFile(send, root, b));
    expect(await openFile(send, root, c)).toBe(k.NFS4ERR_DELAY);
    expect((await send([op.putfh(root), op.lookup(a), op.close(sa)])).status).toBe(k.NFS4_OK);
    const sc = opened(await openFile(send, root, c));
    for (const [name, s] of [
      [b, sb],
      [c, sc],
    ] as const)
      expect((await send([op.putfh(root), op.lookup(name), op.close(s)])).status).toBe(k.NFS4_OK);
  });

  it("v4.0: RESOURCE, without using up the open-owner's seqid", async () => {
    const { client, root } = h();
    const clientId = await client.setClientId40(uniq("v40-limit"));
    const send: Send = (ops) => client.compound(0, ops);
    const [x, y, z] = [uniq("x"), uniq("y"), uniq("z")];
    const sx = opened(await openFile(send, root, x, { clientId, owner: "ox" }));
    const sy = opened(await openFile(send, root, y, { clientId, owner: "oy" }));
    expect(await openFile(send, root, z, { clientId, owner: "oz" })).toBe(k.NFS4ERR_RESOURCE);
    expect((await send([op.putfh(root), op.lookup(x), op.close(sx, 1)])).status).toBe(k.NFS4_OK);
    // The same owner's same seqid (0) again: RESOURCE did not advance its sequence.
    const sz = opened(await openFile(send, root, z, { clientId, owner: "oz" }));
    for (const [name, s] of [
      [y, sy],
      [z, sz],
    ] as const)
      expect((await send([op.putfh(root), op.lookup(name), op.close(s, 1)])).status).toBe(k.NFS4_OK);
  });
});
