import { describe, expect, it } from "vitest";
import { NdrError, NdrWriter } from "./ndr.ts";
import { RpcFault } from "./pipe.ts";
import { STYPE_DISKTREE, STYPE_IPC, STYPE_SPECIAL, srvsvc } from "./srvsvc.ts";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

const iface = srvsvc({
  serverName: "DITTOFS",
  comment: "c",
  shares: () => [
    { name: "a", type: STYPE_DISKTREE, remark: "" },
    { name: "IPC$", type: STYPE_IPC | STYPE_SPECIAL, remark: "r" },
  ],
});

/** NetShareEnumAll as Samba's client sends it: server name, level, empty container, resume handle. */
function enumRequest(level: number, resume: boolean): Buffer {
  const w = new NdrWriter().pointer().string("\\\\127.0.0.1").u32(level).u32(level);
  w.pointer().u32(0).pointer(false).u32(0xffffffff);
  if (resume) w.pointer().u32(0);
  else w.pointer(false);
  return w.finish();
}

describe("srvsvc", () => {
  it("answers NetShareEnumAll level 1 with SHARE_INFO_1_CONTAINER ([MS-SRVS] §3.1.4.8)", () => {
    const out = iface.call(15, enumRequest(1, true));
    expect(out).toEqual(
      hex(`01000000 01000000 00000200 02000000 04000200 02000000
           08000200 00000000 0c000200
           10000200 03000080 14000200
           02000000 00000000 02000000 6100 0000
           01000000 00000000 01000000 0000 0000
           05000000 00000000 05000000 4900 5000 4300 2400 0000 0000
           02000000 00000000 02000000 7200 0000
           02000000
           18000200 00000000
           00000000`),
    );
  });

  it("answers level 0 with names only, and an unknown level with ERROR_INVALID_LEVEL", () => {
    const zero = iface.call(15, enumRequest(0, false));
    expect(zero.subarray(0, 32)).toEqual(
      hex("00000000 00000000 00000200 02000000 04000200 02000000 08000200 0c000200"),
    );
    expect(zero.subarray(-12)).toEqual(hex("02000000 00000000 00000000"));
    expect(iface.call(15, enumRequest(2, false))).toEqual(
      hex("02000000 02000000 00000000 00000000 00000000 7c000000"),
    );
  });

  it("answers NetShareGetInfo for a visible share and NERR_NetNameNotFound otherwise", () => {
    const req = (name: string, level: number) =>
      new NdrWriter().pointer(false).string(name).u32(level).finish();
    expect(iface.call(16, req("A", 1))).toEqual(
      hex(`01000000 00000200 04000200 00000000 08000200
           02000000 00000000 02000000 6100 0000
           01000000 00000000 01000000 0000 0000
           00000000`),
    );
    expect(iface.call(16, req("nope", 1))).toEqual(hex("01000000 00000000 06090000"));
    expect(iface.call(16, req("a", 502))).toEqual(hex("f6010000 00000000 7c000000"));
  });

  it("answers NetServerGetInfo levels 100 and 101", () => {
    const req = (level: number) => new NdrWriter().pointer(false).u32(level).finish();
    const l101 = iface.call(21, req(101));
    expect(l101.subarray(0, 28)).toEqual(
      hex("65000000 00000200 f4010000 04000200 06000000 01000000 03800000"),
    );
    expect(l101.subarray(-4)).toEqual(hex("00000000"));
    expect(iface.call(21, req(100)).subarray(0, 16)).toEqual(hex("64000000 00000200 f4010000 04000200"));
    expect(iface.call(21, req(102))).toEqual(hex("66000000 00000000 7c000000"));
  });

  it("faults unknown opnums and undecodable stubs", () => {
    expect(() => iface.call(99, Buffer.alloc(0))).toThrow(RpcFault);
    expect(() => iface.call(15, Buffer.alloc(6))).toThrow(NdrError);
  });
});
