import { describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import { STATUS_INVALID_PARAMETER, STATUS_NOT_SUPPORTED } from "../ntstatus.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import { startSmbHarness } from "../testing/harness.ts";
import { SmbTestClient } from "../testing/smb-client.ts";
import { SmbWriter } from "../wire.ts";
import { pickCipher, serverCapabilities } from "./negotiate.ts";

describe("NEGOTIATE", () => {
  const smb = useSmbHarness();

  it.each([
    [[C.SMB2_DIALECT_202], C.SMB2_DIALECT_202],
    [[C.SMB2_DIALECT_202, C.SMB2_DIALECT_210], C.SMB2_DIALECT_210],
    [[C.SMB2_DIALECT_210, C.SMB2_DIALECT_300, C.SMB2_DIALECT_302], C.SMB2_DIALECT_302],
    [[C.SMB2_DIALECT_202, C.SMB2_DIALECT_311], C.SMB2_DIALECT_311],
  ])("offered %j → picks 0x%s", async (dialects, want) => {
    const c = await SmbTestClient.connect(smb.h.port);
    const r = await c.negotiate(dialects);
    expect(r.status).toBe(0);
    expect(r.body.readUInt16LE(0)).toBe(65);
    expect(r.body.readUInt16LE(4)).toBe(want);
    // NegotiateContextCount: PREAUTH_INTEGRITY only for 3.1.1.
    expect(r.body.readUInt16LE(6)).toBe(want === C.SMB2_DIALECT_311 ? 1 : 0);
    const caps = r.body.readUInt32LE(24);
    expect(caps & C.SMB2_GLOBAL_CAP_LARGE_MTU).toBe(
      want >= C.SMB2_DIALECT_210 ? C.SMB2_GLOBAL_CAP_LARGE_MTU : 0,
    );
    // The security buffer is SPNEGO offering NTLMSSP.
    const sec = r.msg.subarray(r.body.readUInt16LE(56), r.body.readUInt16LE(56) + r.body.readUInt16LE(58));
    expect(sec.toString("hex")).toContain("2b06010401823702020a");
    c.close();
  });

  it("refuses when no dialect is common", async () => {
    const c = await SmbTestClient.connect(smb.h.port);
    const r = await c.negotiate([0x0222]);
    expect(r.status).toBe(STATUS_NOT_SUPPORTED);
    c.close();
  });

  it("refuses 3.1.1 without a PREAUTH_INTEGRITY context", async () => {
    const c = await SmbTestClient.connect(smb.h.port);
    const body = new SmbWriter()
      .u16(36)
      .u16(1)
      .u16(1)
      .u16(0)
      .u32(0)
      .zeros(16)
      .u32(0)
      .u16(0)
      .u16(0)
      .u16(C.SMB2_DIALECT_311)
      .finish();
    const r = await c.send(C.SMB2_NEGOTIATE, body);
    expect(r.status).toBe(STATUS_INVALID_PARAMETER);
    c.close();
  });

  it("advertises required signing when configured", async () => {
    const signed = await startSmbHarness({ settings: { signingRequired: true } });
    const c = await SmbTestClient.connect(signed.port);
    const r = await c.negotiate();
    expect(r.body.readUInt16LE(2) & C.SMB2_NEGOTIATE_SIGNING_REQUIRED).toBe(
      C.SMB2_NEGOTIATE_SIGNING_REQUIRED,
    );
    c.close();
    await signed.stop();
  });
});

describe("NEGOTIATE cipher choice (§3.3.5.4)", () => {
  const ctx = (...ids: number[]) => {
    const b = Buffer.alloc(2 + 2 * ids.length);
    b.writeUInt16LE(ids.length, 0);
    for (const [i, id] of ids.entries()) b.writeUInt16LE(id, 2 + 2 * i);
    return b;
  };
  it("takes the server's first preference among the client's ciphers, 0 when none is common", () => {
    expect(pickCipher(ctx(4, 3, 1, 2))).toBe(2);
    expect(pickCipher(ctx(3, 1))).toBe(1);
    expect(pickCipher(ctx(4))).toBe(4);
    expect(pickCipher(ctx(9))).toBe(0);
    // CipherCount larger than the data: only the ciphers present count.
    expect(pickCipher(Buffer.from([5, 0, 3, 0]))).toBe(3);
  });
  it("says SMB2_GLOBAL_CAP_ENCRYPTION only for 3.0/3.0.2 with a cipher", () => {
    expect(serverCapabilities(0x0300, 1) & 0x40).toBe(0x40);
    expect(serverCapabilities(0x0302, 1) & 0x40).toBe(0x40);
    expect(serverCapabilities(0x0300, 0) & 0x40).toBe(0);
    expect(serverCapabilities(0x0311, 2) & 0x40).toBe(0);
  });
});
