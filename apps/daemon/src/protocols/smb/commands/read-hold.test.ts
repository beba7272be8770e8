/**
 * An SMB2 READ reply holds the receive-pool frames its data points into until the socket write
 * that carries it completed (docs/payload.md "Receive buffers", reply-writer.ts): a file read and
 * then deleted hands its frames to the next WRITEs (escaped READ views: none).
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import { closeBody, open, readBody, setInfoBody, writeBody } from "../testing/bodies.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import type { FileId, SmbTestClient } from "../testing/smb-client.ts";

const MiB = 1024 * 1024;

async function put(c: SmbTestClient, f: FileId, data: Buffer): Promise<void> {
  for (let off = 0; off < data.length; off += MiB) {
    const w = await c.send(C.SMB2_WRITE, writeBody(f, BigInt(off), data.subarray(off, off + MiB)));
    expect(w.status).toBe(0);
  }
}

describe("READ replies hold their frames until written", () => {
  // An fs block store (it lets go of what it wrote) and a cache holding every file whole.
  const smb = useSmbHarness({ wal: true, cacheSizeBytes: 96 * MiB });

  it("a file read then deleted hands its frames to the next writes", async () => {
    const c = await smb.login();
    const a = randomBytes(16 * MiB);
    const f = await open(c, "held.bin", { disposition: C.FILE_CREATE });
    await put(c, f, a);
    for (let off = 0; off < a.length; off += MiB) {
      const r = await c.send(C.SMB2_READ, readBody(f, BigInt(off), MiB));
      expect(r.status).toBe(0);
      // DataOffset from the start of the SMB2 header (§2.2.20).
      const at = r.body.readUInt8(2);
      const got = r.msg.subarray(at, at + r.body.readUInt32LE(4));
      expect(got.equals(a.subarray(off, off + MiB)), `READ at ${off / MiB} MiB`).toBe(true);
    }
    const del = setInfoBody(f, C.SMB2_0_INFO_FILE, C.FileDispositionInformation, Buffer.from([1]));
    expect((await c.send(C.SMB2_SET_INFO, del)).status).toBe(0);
    expect((await c.send(C.SMB2_CLOSE, closeBody(f))).status).toBe(0);
    const counters = smb.h.ctx.receivePool.counters;
    const reused = counters.reused;
    const g = await open(c, "next.bin", { disposition: C.FILE_CREATE });
    await put(c, g, randomBytes(16 * MiB));
    await c.send(C.SMB2_CLOSE, closeBody(g));
    // Escaped READ views: 0 reused.
    expect(counters.reused - reused).toBeGreaterThan(12);
  }, 60_000);
});
