import { describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import { STATUS_BUFFER_TOO_SMALL, STATUS_INVALID_PARAMETER, STATUS_NOT_SUPPORTED } from "../ntstatus.ts";
import { ioctlBody } from "../testing/bodies.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import { ALICE } from "../testing/harness.ts";
import { SmbTestClient } from "../testing/smb-client.ts";
import { SmbWriter } from "../wire.ts";

describe("IOCTL", () => {
  const smb = useSmbHarness();
  const output = (r: { msg: Buffer; body: Buffer }) =>
    r.msg.subarray(r.body.readUInt32LE(32), r.body.readUInt32LE(32) + r.body.readUInt32LE(36));

  it("VALIDATE_NEGOTIATE_INFO echoes the negotiated dialect; a mismatch drops the connection", async () => {
    const c = await SmbTestClient.connect(smb.h.port);
    const dialects = [C.SMB2_DIALECT_202, C.SMB2_DIALECT_210, C.SMB2_DIALECT_300];
    const neg = await c.negotiate(dialects);
    const guid = c.lastClientGuid!;
    await c.sessionSetup(ALICE.user, ALICE.password);
    c.sign = true;
    await c.treeConnect("export");
    const input = new SmbWriter()
      .u32(0)
      .bytes(guid)
      .u16(C.SMB2_NEGOTIATE_SIGNING_ENABLED)
      .u16(dialects.length);
    for (const d of dialects) input.u16(d);
    const r = await c.send(C.SMB2_IOCTL, ioctlBody(C.FSCTL_VALIDATE_NEGOTIATE_INFO, input.finish()));
    expect(r.status).toBe(0);
    const out = output(r);
    expect(out.readUInt16LE(22)).toBe(C.SMB2_DIALECT_300);
    expect(out.subarray(4, 20)).toEqual(neg.body.subarray(8, 24)); // ServerGuid
    const bad = new SmbWriter()
      .u32(0)
      .bytes(guid)
      .u16(C.SMB2_NEGOTIATE_SIGNING_ENABLED)
      .u16(1)
      .u16(C.SMB2_DIALECT_202)
      .finish();
    expect((await c.send(C.SMB2_IOCTL, ioctlBody(C.FSCTL_VALIDATE_NEGOTIATE_INFO, bad))).status).not.toBe(0);
    c.close();
  });

  it("QUERY_NETWORK_INTERFACE_INFO lists the loopback address; other FSCTLs are NOT_SUPPORTED", async () => {
    const c = await SmbTestClient.login(smb.h.port, ALICE.user, ALICE.password);
    const r = await c.send(C.SMB2_IOCTL, ioctlBody(C.FSCTL_QUERY_NETWORK_INTERFACE_INFO, Buffer.alloc(0)));
    expect(r.status).toBe(0);
    const out = output(r);
    expect(out.readUInt16LE(24)).toBe(2); // AF_INET
    expect([...out.subarray(28, 32)]).toEqual([127, 0, 0, 1]);
    // A control on no file must name no file (§3.3.5.15), before its output is sized.
    const named = { persistent: 0x7fffffffffffffffn, volatile: 0x7fffffffffffffffn };
    for (const max of [65536, 1]) {
      const r2 = await c.send(
        C.SMB2_IOCTL,
        ioctlBody(C.FSCTL_QUERY_NETWORK_INTERFACE_INFO, Buffer.alloc(0), max, named),
      );
      expect(r2.status).toBe(STATUS_INVALID_PARAMETER);
    }
    const small = await c.send(
      C.SMB2_IOCTL,
      ioctlBody(C.FSCTL_QUERY_NETWORK_INTERFACE_INFO, Buffer.alloc(0), 1),
    );
    expect(small.status).toBe(STATUS_BUFFER_TOO_SMALL);
    expect((await c.send(C.SMB2_IOCTL, ioctlBody(C.FSCTL_DFS_GET_REFERRALS, Buffer.alloc(4)))).status).toBe(
      STATUS_NOT_SUPPORTED,
    );
    c.close();
  });
});
