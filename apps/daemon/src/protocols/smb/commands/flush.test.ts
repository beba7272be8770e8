import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import { STATUS_ACCESS_DENIED } from "../ntstatus.ts";
import { flushBody, open, writeBody } from "../testing/bodies.ts";
import { ALICE, type SmbHarness, startSmbHarness } from "../testing/harness.ts";
import { SmbTestClient } from "../testing/smb-client.ts";

describe("FLUSH", () => {
  let h: SmbHarness;
  let c: SmbTestClient;
  beforeAll(async () => {
    h = await startSmbHarness({ wal: true });
    c = await SmbTestClient.login(h.port, ALICE.user, ALICE.password);
  });
  afterAll(async () => {
    c.close();
    await h.stop();
  });

  it("makes acknowledged writes durable through the WAL (an fsync happens)", async () => {
    const f = await open(c, "f.bin", { disposition: C.FILE_CREATE });
    expect((await c.send(C.SMB2_WRITE, writeBody(f, 0n, Buffer.alloc(4096, 7)))).status).toBe(0);
    const before = h.payload.stats("/export").wal!.fsyncs;
    expect((await c.send(C.SMB2_FLUSH, flushBody(f))).status).toBe(0);
    expect(h.payload.stats("/export").wal!.fsyncs).toBeGreaterThan(before);
  });

  it("needs write access on a file", async () => {
    const ro = await open(c, "f.bin", { access: C.FILE_READ_DATA });
    expect((await c.send(C.SMB2_FLUSH, flushBody(ro))).status).toBe(STATUS_ACCESS_DENIED);
  });
});
