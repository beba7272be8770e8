import { beforeEach, describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import { STATUS_ACCESS_DENIED } from "../ntstatus.ts";
import { flushBody, open, writeBody } from "../testing/bodies.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import type { SmbTestClient } from "../testing/smb-client.ts";

describe("FLUSH", () => {
  const smb = useSmbHarness({ wal: true });
  let c: SmbTestClient;
  beforeEach(async () => {
    c = await smb.login();
  });

  it("makes acknowledged writes durable through the WAL (an fsync happens; a few KiB of a new file go there, not to a put)", async () => {
    const f = await open(c, "f.bin", { disposition: C.FILE_CREATE });
    expect((await c.send(C.SMB2_WRITE, writeBody(f, 0n, Buffer.alloc(4096, 7)))).status).toBe(0);
    const before = smb.h.payload.stats("/export").wal!.fsyncs;
    expect((await c.send(C.SMB2_FLUSH, flushBody(f))).status).toBe(0);
    expect(smb.h.payload.stats("/export").wal!.fsyncs).toBeGreaterThan(before);
  });

  it("needs write access on a file", async () => {
    const ro = await open(c, "f.bin", { access: C.FILE_READ_DATA });
    expect((await c.send(C.SMB2_FLUSH, flushBody(ro))).status).toBe(STATUS_ACCESS_DENIED);
  });
});
