import { describe, expect, it } from "vitest";
import * as C from "./constants.ts";
import { open, readBody, writeBody } from "./testing/bodies.ts";
import { useSmbHarness } from "./testing/fixture.ts";

const STATUS_FILE_NOT_AVAILABLE = 0xc0000467;

describe("ChannelSequence ([MS-SMB2] 3.3.5.2.10)", () => {
  const smb = useSmbHarness();

  it("a modifying request with a stale ChannelSequence is refused FILE_NOT_AVAILABLE; a READ is not", async () => {
    const c = await smb.login([C.SMB2_DIALECT_300]);
    const f = await open(c, "csn.dat");
    const write = (channelSequence: number, flags = 0) =>
      c
        .send(C.SMB2_WRITE, writeBody(f, 0n, Buffer.from("x")), { channelSequence, flags })
        .then((r) => r.status);
    expect(await write(0)).toBe(0);
    // The client failed over: its sequence moved on, and an old-sequence write is stale.
    expect(await write(1)).toBe(0);
    expect(await write(0)).toBe(STATUS_FILE_NOT_AVAILABLE);
    expect((await c.send(C.SMB2_READ, readBody(f, 0n, 1), { channelSequence: 0 })).status).toBe(0);
    // More than 0x7FFF ahead reads as a wrapped counter behind, so stale too; 0x7FFF ahead is newer.
    expect(await write(1 + 0x8000)).toBe(STATUS_FILE_NOT_AVAILABLE);
    expect(await write(1 + 0x7fff)).toBe(0);
    expect(await write(1)).toBe(STATUS_FILE_NOT_AVAILABLE);
    // Going round the 16-bit counter: 0xffff, then 0 and 1 are newer.
    expect(await write(0xffff)).toBe(0);
    expect(await write(0)).toBe(0);
    expect(await write(1)).toBe(0);
    expect(await write(0)).toBe(STATUS_FILE_NOT_AVAILABLE);
    // A replayed write with the current sequence passes (nothing of an older one is outstanding).
    expect(await write(1, C.SMB2_FLAGS_REPLAY_OPERATION)).toBe(0);
  });

  it("is not checked below SMB 3.0 (the field is Status there)", async () => {
    const c = await smb.login([C.SMB2_DIALECT_210]);
    const f = await open(c, "csn21.dat");
    for (const channelSequence of [5, 0, 3]) {
      const r = await c.send(C.SMB2_WRITE, writeBody(f, 0n, Buffer.from("x")), { channelSequence });
      expect(r.status).toBe(0);
    }
  });
});
