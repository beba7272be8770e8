import { randomBytes } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import * as S from "../ntstatus.ts";
import { closeBody, open, writeBody } from "../testing/bodies.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import { BOB } from "../testing/harness.ts";
import { SmbTestClient } from "../testing/smb-client.ts";

describe("WRITE", () => {
  const smb = useSmbHarness();
  let c: SmbTestClient;
  beforeEach(async () => {
    c = await smb.login();
  });

  it("writes through the payload service and extends the size (sparse gaps read as zeros)", async () => {
    const f = await open(c, "w.bin", { disposition: C.FILE_CREATE });
    const a = randomBytes(10_000);
    const w = await c.send(C.SMB2_WRITE, writeBody(f, 0n, a));
    expect(w.status).toBe(0);
    expect(w.body.readUInt32LE(4)).toBe(a.length);
    const b = randomBytes(100);
    expect(
      (await c.send(C.SMB2_WRITE, writeBody(f, 20_000n, b, C.SMB2_WRITEFLAG_WRITE_THROUGH))).status,
    ).toBe(0);
    await c.send(C.SMB2_CLOSE, closeBody(f));
    const root = smb.h.metadata.rootHandle("/export");
    const attr = (await smb.h.metadata.lookup({ uid: 0, gid: 0, gids: [] }, root, "w.bin")).attr;
    expect(attr.size).toBe(20_100);
    const content = await smb.h.payload.readAt("/export", attr.payloadId!, 0, attr.size);
    expect(content.subarray(0, 10_000)).toEqual(a);
    expect(content.subarray(10_000, 20_000)).toEqual(Buffer.alloc(10_000));
    expect(content.subarray(20_000)).toEqual(b);
  });

  it("refuses writes without write access, on directories, and past the maximum size", async () => {
    const ro = await open(c, "w.bin", { access: C.FILE_READ_DATA });
    expect((await c.send(C.SMB2_WRITE, writeBody(ro, 0n, Buffer.from("x")))).status).toBe(
      S.STATUS_ACCESS_DENIED,
    );
    const d = await open(c, "", { access: C.FILE_LIST_DIRECTORY });
    expect((await c.send(C.SMB2_WRITE, writeBody(d, 0n, Buffer.from("x")))).status).toBe(
      S.STATUS_INVALID_DEVICE_REQUEST,
    );
    const f = await open(c, "w.bin");
    expect((await c.send(C.SMB2_WRITE, writeBody(f, 0x7fffffffffffffffn, Buffer.from("x")))).status).toBe(
      S.STATUS_INVALID_PARAMETER,
    );
  });

  it("a read-only user cannot open for writing", async () => {
    const bob = await SmbTestClient.login(smb.h.port, BOB.user, BOB.password);
    const r = await bob.send(
      C.SMB2_CREATE,
      (await import("../testing/bodies.ts")).createBody("w.bin", { access: C.FILE_WRITE_DATA }),
    );
    expect(r.status).toBe(S.STATUS_ACCESS_DENIED);
    bob.close();
  });
});

describe("WRITE frames reused (domain/buffer-pool.ts)", () => {
  // An fs block store (it lets go of what it wrote) and a cache far smaller than the stream.
  const smb = useSmbHarness({ wal: true, cacheSizeBytes: 8 * 1024 * 1024 });

  it("a stream of 1 MiB WRITEs reuses the frames the payload cache let go of", async () => {
    const c = await smb.login();
    const MiB = 1024 * 1024;
    const f = await open(c, "stream.bin", { disposition: C.FILE_CREATE });
    const data = randomBytes(40 * MiB);
    for (let off = 0; off < data.length; off += MiB)
      expect(
        (await c.send(C.SMB2_WRITE, writeBody(f, BigInt(off), data.subarray(off, off + MiB)))).status,
      ).toBe(0);
    await c.send(C.SMB2_CLOSE, closeBody(f));
    const counters = smb.h.ctx.receivePool.counters;
    expect(counters.reused).toBeGreaterThan(16); // the handler vouched for its frames
    expect(counters.allocated).toBeLessThan(30);
    const root = smb.h.metadata.rootHandle("/export");
    const attr = (await smb.h.metadata.lookup({ uid: 0, gid: 0, gids: [] }, root, "stream.bin")).attr;
    expect((await smb.h.payload.readAt("/export", attr.payloadId!, 0, data.length)).equals(data)).toBe(true);
  }, 60_000);
});
