import { describe, expect, it } from "vitest";
import * as k from "../constants.ts";
import { op, res } from "../testing/client.ts";
import { useNfs4 } from "../testing/harness.ts";

const h = useNfs4();

describe("SECINFO / SECINFO_NO_NAME (RFC 8881 §18.29, §18.45)", () => {
  it("offers AUTH_SYS and consumes the current filehandle", async () => {
    const { client } = h();
    const rep = await client.call([
      op.putrootfh(),
      (w) => w.uint32(k.OP_SECINFO_NO_NAME).uint32(0),
      op.getfh(),
    ]);
    expect(rep.status).toBe(k.NFS4ERR_NOFILEHANDLE);
    res(rep.r, k.OP_PUTROOTFH);
    res(rep.r, k.OP_SECINFO_NO_NAME);
    expect(rep.r.array(8, (x) => x.uint32())).toEqual([k.RPC_AUTH_SYS]);
    const named = await client.call([op.putrootfh(), (w) => w.uint32(k.OP_SECINFO).string("export")]);
    expect(named.status).toBe(k.NFS4_OK);
    const missing = await client.call([op.putrootfh(), (w) => w.uint32(k.OP_SECINFO).string("nope")]);
    expect(missing.status).toBe(k.NFS4ERR_NOENT);
  });
});
