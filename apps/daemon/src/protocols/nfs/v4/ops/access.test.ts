import { describe, expect, it } from "vitest";
import { shareInfo } from "../../testing/context.ts";
import * as k from "../constants.ts";
import { op, res } from "../testing/client.ts";
import { useNfs4 } from "../testing/harness.ts";

const h = useNfs4({ shares: [shareInfo("/export"), shareInfo("/ro", { readOnly: true })] });

const ALL = 0x3f;
const WRITE_BITS = 0x04 | 0x08 | 0x10;

async function granted(fh: Buffer | null, mask: number): Promise<{ supported: number; access: number }> {
  const { client } = h();
  const rep = await client.call([fh === null ? op.putrootfh() : op.putfh(fh), op.access(mask)]);
  expect(rep.status).toBe(k.NFS4_OK);
  res(rep.r, fh === null ? k.OP_PUTROOTFH : k.OP_PUTFH);
  res(rep.r, k.OP_ACCESS);
  return { supported: rep.r.uint32(), access: rep.r.uint32() };
}

describe("ACCESS (RFC 8881 §18.1)", () => {
  it("grants what mode bits and the share allow; read/lookup/execute only in the pseudo file system", async () => {
    const { client, root } = h();
    const dir = await granted(root, ALL);
    expect(dir.supported).toBe(ALL);
    expect(dir.access & (0x01 | 0x02 | WRITE_BITS)).toBe(0x01 | 0x02 | WRITE_BITS);
    const ro = await granted(await client.walk("/ro"), ALL);
    expect(ro.access & WRITE_BITS).toBe(0);
    const pseudo = await granted(null, ALL | 0x40);
    expect(pseudo).toEqual({ supported: ALL, access: 0x01 | 0x02 | 0x20 });
  });
});
