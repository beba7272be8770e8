import { beforeEach, describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import { STATUS_FILE_CLOSED } from "../ntstatus.ts";
import { closeBody, open, writeBody } from "../testing/bodies.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import type { SmbTestClient } from "../testing/smb-client.ts";

describe("CLOSE", () => {
  const smb = useSmbHarness();
  let c: SmbTestClient;
  beforeEach(async () => {
    c = await smb.login();
  });

  it("returns post-query attributes when asked, zeros otherwise; a second close is FILE_CLOSED", async () => {
    const f = await open(c, "c.txt", { disposition: C.FILE_CREATE });
    await c.send(C.SMB2_WRITE, writeBody(f, 0n, Buffer.alloc(5000, 1)));
    const r = await c.send(C.SMB2_CLOSE, closeBody(f, C.SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB));
    expect(r.status).toBe(0);
    expect(r.body.readUInt16LE(2)).toBe(C.SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB);
    expect(r.body.readBigUInt64LE(48)).toBe(5000n); // EndofFile
    expect(r.body.readBigUInt64LE(40)).toBe(8192n); // AllocationSize, 4 KiB units
    expect((await c.send(C.SMB2_CLOSE, closeBody(f))).status).toBe(STATUS_FILE_CLOSED);
    const g = await open(c, "c.txt");
    const plain = await c.send(C.SMB2_CLOSE, closeBody(g));
    expect(plain.body.readBigUInt64LE(48)).toBe(0n);
  });
});
