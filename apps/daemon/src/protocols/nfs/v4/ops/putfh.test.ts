import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startNfsServer } from "../../testing/server.ts";
import * as k from "../constants.ts";
import { Nfs4Client, op, res } from "../testing/client.ts";

/** Connects a v4.1 client with a session to `port`, runs `f`, closes it. */
async function withClient<T>(port: number, f: (c: Nfs4Client) => Promise<T>): Promise<T> {
  const c = await Nfs4Client.connect(port);
  try {
    await c.createSession();
    return await f(c);
  } finally {
    c.close();
  }
}

describe("PUTFH (RFC 8881 §18.19): file handles survive a server restart", () => {
  it("a share root, a directory and a pseudo directory handle still resolve after a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dittofs-v4-fh-"));
    try {
      let server = await startNfsServer({ stores: { dataDir: dir } });
      const before = await withClient(server.port, async (c) => {
        const root = await c.walk("/export");
        expect((await c.call([op.putfh(root), op.mkdir("kept")])).status).toBe(k.NFS4_OK);
        const rep = await c.call([op.putrootfh(), op.getfh()]);
        res(rep.r, k.OP_PUTROOTFH);
        res(rep.r, k.OP_GETFH);
        return { root, kept: await c.walk("/export/kept"), pseudo: Buffer.from(rep.r.opaque(128)) };
      });
      const port = server.port;
      await server.stop();
      server = await startNfsServer({ stores: { dataDir: dir }, port });
      try {
        await withClient(port, async (c) => {
          for (const fh of [before.root, before.kept, before.pseudo]) {
            const rep = await c.call([op.putfh(fh), op.getattr([1])]);
            expect(rep.status).toBe(k.NFS4_OK);
          }
          expect((await c.call([op.putfh(before.kept), op.lookupp(), op.getfh()])).status).toBe(k.NFS4_OK);
        });
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
