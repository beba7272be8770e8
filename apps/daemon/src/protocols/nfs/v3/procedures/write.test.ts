import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../rpc/client.ts";
import { GARBAGE_ARGS, NFS_PROGRAM } from "../../rpc/constants.ts";
import { shareInfo } from "../../testing/context.ts";
import { wcc } from "../../testing/decode.ts";
import { uniq, useHarness } from "../../testing/fixtures.ts";
import { makeFile } from "../../testing/harness.ts";
import { failed, ok } from "../../testing/nfs-client.ts";
import {
  DATA_SYNC,
  FILE_SYNC,
  NFS3ERR_ACCES,
  NFS3ERR_FBIG,
  NFS3ERR_ISDIR,
  NFS3ERR_ROFS,
  UNSTABLE,
} from "../constants.ts";

const h = useHarness({ shares: [shareInfo("/export"), shareInfo("/ro", { readOnly: true })] });

describe("WRITE (RFC 1813 §3.3.7)", () => {
  it("writes at offsets with each stability, wcc_data and one verifier", async () => {
    const { client, root } = h();
    const fh = await makeFile(client, root, uniq());
    const a = ok(await client.write(fh, 0, Buffer.from("hello "), UNSTABLE));
    expect(a).toMatchObject({ count: 6, committed: UNSTABLE });
    expect(a.wcc.before?.size).toBe(0n);
    expect(a.wcc.after?.size).toBe(6n);
    const b = ok(await client.write(fh, 6, Buffer.from("world"), DATA_SYNC));
    expect(b.committed).toBe(DATA_SYNC);
    const c = ok(await client.write(fh, 11, Buffer.from("!"), FILE_SYNC));
    expect(c.committed).toBe(FILE_SYNC);
    expect(a.verf.equals(b.verf) && b.verf.equals(c.verf)).toBe(true);
    expect(ok(await client.read(fh, 0, 100)).data.toString()).toBe("hello world!");
  });

  it("many concurrent writes to one file all land", async () => {
    const { client, root } = h();
    const fh = await makeFile(client, root, uniq());
    const chunk = 64 * 1024;
    await Promise.all(
      Array.from({ length: 16 }, (_, i) => client.write(fh, i * chunk, Buffer.alloc(chunk, i + 1)).then(ok)),
    );
    const r = ok(await client.read(fh, 0, 16 * chunk));
    for (let i = 0; i < 16; i++) expect(r.data[i * chunk + 7]).toBe(i + 1);
    expect(r.attr?.size).toBe(BigInt(16 * chunk));
  });

  it("answers ISDIR, ACCES and ROFS with wcc_data", async () => {
    const { client, root } = h();
    const r = failed(await client.write(root, 0, Buffer.from("x")));
    expect(r.status).toBe(NFS3ERR_ISDIR);
    expect(wcc(r.fail).after?.fileid).toBe(ok(await client.getattr(root)).attr.fileid);
    const fh = await makeFile(client, root, uniq());
    expect((await client.as(555, 555).write(fh, 0, Buffer.from("x"))).status).toBe(NFS3ERR_ACCES);
    const ro = (await client.mount("/ro")).fh!;
    expect((await client.write(ro, 0, Buffer.from("x"))).status).toBe(NFS3ERR_ROFS);
  });

  it("answers GARBAGE_ARGS for a bad stable_how", async () => {
    const { client, root } = h();
    const fh = await makeFile(client, root, uniq());
    const rpc: RpcClient = client.rpc;
    const { header } = await rpc.callRaw(NFS_PROGRAM, 3, 7, (w) =>
      w.opaque(fh).uint64(0).uint32(1).uint32(9).opaque(Buffer.from("x")),
    );
    expect(header.stat).toBe(GARBAGE_ARGS);
  });

  it("answers FBIG for an offset beyond the largest file size", async () => {
    const { client, root } = h();
    const fh = await makeFile(client, root, uniq());
    const rpc: RpcClient = client.rpc;
    const r = await rpc.call(
      NFS_PROGRAM,
      3,
      7,
      (w) =>
        w
          .opaque(fh)
          .uint64(2n ** 60n)
          .uint32(1)
          .uint32(0)
          .opaque(Buffer.from("x")),
      client.auth,
    );
    expect(r.uint32()).toBe(NFS3ERR_FBIG);
    const rd = await rpc.call(
      NFS_PROGRAM,
      3,
      6,
      (w) =>
        w
          .opaque(fh)
          .uint64(2n ** 60n)
          .uint32(10),
      client.auth,
    );
    expect(rd.uint32()).toBe(0);
  });
});

describe("WRITE records reused (domain/buffer-pool.ts)", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "nfs-write-pool-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  // An fs block store (it lets go of what it wrote) and a cache far smaller than the stream.
  const p = useHarness({ stores: { dataDir }, cacheSizeBytes: 8 * 1024 * 1024 });

  it("a stream of 1 MiB WRITEs reuses the records the payload cache let go of", async () => {
    const { client, root, ctx } = p();
    const fh = await makeFile(client, root, uniq());
    const MiB = 1024 * 1024;
    const data = randomBytes(40 * MiB);
    for (let off = 0; off < data.length; off += MiB)
      ok(await client.write(fh, off, data.subarray(off, off + MiB), UNSTABLE));
    ok(await client.commit(fh));
    const c = ctx.receivePool.counters;
    expect(c.reused).toBeGreaterThan(16); // the handler vouched for its records
    expect(c.allocated).toBeLessThan(30);
    for (let off = 0; off < data.length; off += MiB)
      expect(ok(await client.read(fh, off, MiB)).data.equals(data.subarray(off, off + MiB))).toBe(true);
  }, 60_000);
});
