import { describe, expect, it } from "vitest";
import { XdrError, XdrReader } from "./reader.ts";
import { XdrWriter } from "./writer.ts";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

describe("XDR writer golden bytes", () => {
  it("encodes scalars big-endian (RFC 4506 §4.1–4.5)", () => {
    const w = new XdrWriter(8);
    w.uint32(0xdeadbeef)
      .int32(-2)
      .uint64(0x0102030405060708n)
      .bool(true)
      .uint64(2 ** 40 + 5);
    expect(w.toBuffer()).toEqual(hex("deadbeef fffffffe 0102030405060708 00000001 0000010000000005"));
  });

  it("encodes uint64 at the word and safe-integer boundaries, bigint and number alike", () => {
    const cases: [bigint, string][] = [
      [0n, "0000000000000000"],
      [0xffff_ffffn, "00000000ffffffff"],
      [0x1_0000_0000n, "0000000100000000"],
      [0x1f_ffff_ffff_ffffn, "001fffffffffffff"], // 2^53 - 1: last value of the fast path
      [0x20_0000_0000_0001n, "0020000000000001"],
      [0xffff_ffff_ffff_ffffn, "ffffffffffffffff"],
      [-1n, "ffffffffffffffff"], // two's complement, as the reader's int64 would give back
    ];
    for (const [v, want] of cases) {
      expect(new XdrWriter(4).uint64(v).toBuffer()).toEqual(hex(want));
      if (v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER)) {
        expect(new XdrWriter(4).uint64(Number(v)).toBuffer()).toEqual(hex(want));
      }
    }
    // Repeats and alternations of large values (the writer remembers the last one it split).
    const a = 0xfedc_ba98_7654_3210n;
    const b = 0x0123_4567_89ab_cdefn;
    expect(new XdrWriter(4).uint64(a).uint64(a).uint64(b).uint64(a).uint64(-1n).toBuffer()).toEqual(
      hex("fedcba9876543210 fedcba9876543210 0123456789abcdef fedcba9876543210 ffffffffffffffff"),
    );
    expect(new XdrWriter(4).uint32(0x8000_0001).uint32(-1).toBuffer()).toEqual(hex("80000001 ffffffff"));
  });

  it("pads opaque and string to 4 bytes with zeros (§4.10–4.11)", () => {
    const w = new XdrWriter(4);
    w.opaque(Buffer.from([1, 2, 3, 4, 5]))
      .string("ab")
      .fixedOpaque(Buffer.from([9]));
    expect(w.toBuffer()).toEqual(hex("00000005 0102030405000000 00000002 61620000 09000000"));
    // Lengths count UTF-8 bytes, not characters; the scratch buffer grows for a long name.
    const u = new XdrWriter(4);
    u.string("é€").string("x".repeat(300));
    const out = u.toBuffer();
    expect(out.subarray(0, 12)).toEqual(hex("00000005 c3a9e282ac000000"));
    expect(out.readUInt32BE(12)).toBe(300);
    expect(out.length).toBe(12 + 4 + 300);
  });

  it("sends opaqueRef data by reference, not copied", () => {
    const data = Buffer.from("hello");
    const w = new XdrWriter();
    w.uint32(1).opaqueRef(data).uint32(2);
    const bufs = w.buffers();
    expect(bufs.some((b) => b === data)).toBe(true);
    expect(Buffer.concat(bufs)).toEqual(hex("00000001 00000005 68656c6c6f 000000 00000002"));
    expect(Buffer.concat(bufs).length).toBe(20);
  });

  it("sends opaqueRefs parts by reference and pads their total length", () => {
    const parts = [Buffer.from("he"), Buffer.from("llo")];
    const w = new XdrWriter();
    w.opaqueRefs(parts, 5).uint32(2);
    const bufs = w.buffers();
    expect(parts.every((p) => bufs.includes(p))).toBe(true);
    expect(Buffer.concat(bufs)).toEqual(hex("00000005 68656c6c6f 000000 00000002"));
  });

  it("keeps length right across growth and references", () => {
    const w = new XdrWriter(4);
    for (let i = 0; i < 100; i++) w.uint32(i);
    w.opaqueRef(Buffer.alloc(6, 7));
    w.uint64(1n);
    expect(w.length).toBe(400 + 4 + 8 + 8);
    expect(Buffer.concat(w.buffers()).length).toBe(w.length);
  });

  it("truncates back to a length and goes on writing from there", () => {
    // Within the scratch buffer.
    const a = new XdrWriter();
    a.uint32(1).uint32(2).truncate(4).uint32(3);
    expect(a.toBuffer()).toEqual(hex("00000001 00000003"));
    // Across data sent by reference and the scratch segments around it, also cutting a chunk.
    const data = Buffer.from("abcdefgh");
    const b = new XdrWriter(4);
    b.uint32(1).opaqueRef(data).uint32(2).uint32(3);
    expect(b.length).toBe(24);
    b.truncate(10).uint32(0xffffffff);
    expect(b.length).toBe(14);
    expect(b.toBuffer()).toEqual(hex("00000001 00000008 6162 ffffffff"));
    expect(data).toEqual(Buffer.from("abcdefgh"));
    // After the scratch buffer grew past its first size.
    const c = new XdrWriter(8);
    c.uint32(7);
    for (let i = 0; i < 50; i++) c.uint32(i);
    c.truncate(4).uint32(8);
    expect(c.toBuffer()).toEqual(hex("00000007 00000008"));
    expect(() => new XdrWriter().uint32(1).truncate(5)).toThrow();
  });
});

describe("XDR reader", () => {
  it("round-trips what the writer wrote", () => {
    const w = new XdrWriter();
    w.uint32(7)
      .int32(-7)
      .uint64(2n ** 63n + 1n)
      .int64(-5n)
      .bool(false)
      .opaque(Buffer.from("xyz"))
      .string("näme");
    w.bool(true)
      .uint32(42)
      .uint32(3)
      .uint32(1)
      .uint32(2)
      .uint32(3)
      .uint64(2 ** 50);
    const r = new XdrReader(w.toBuffer());
    expect(r.uint32()).toBe(7);
    expect(r.int32()).toBe(-7);
    expect(r.uint64()).toBe(2n ** 63n + 1n);
    expect(r.int64()).toBe(-5n);
    expect(r.bool()).toBe(false);
    expect(r.opaque(3).toString()).toBe("xyz");
    expect(r.string(10)).toBe("näme");
    expect(r.optional((x) => x.uint32())).toBe(42);
    expect(r.array(3, (x) => x.uint32())).toEqual([1, 2, 3]);
    expect(r.uint64Number()).toBe(2 ** 50);
    expect(r.remaining).toBe(0);
  });

  it("rejects lengths above the named maximum before allocating", () => {
    expect(() => new XdrReader(hex("00000005 0102030405000000")).opaque(4)).toThrow(XdrError);
    expect(() => new XdrReader(hex("ffffffff")).opaque(1 << 20)).toThrow(XdrError);
    expect(() => new XdrReader(hex("00000011")).array(16, (r) => r.uint32())).toThrow(XdrError);
    expect(() => new XdrReader(hex("00000010 00000001")).array(16, (r) => r.uint32())).toThrow(XdrError);
  });

  it("rejects truncated input and bad booleans", () => {
    expect(() => new XdrReader(hex("000000")).uint32()).toThrow(XdrError);
    expect(() => new XdrReader(hex("00000004 0102")).opaque(8)).toThrow(XdrError);
    expect(() => new XdrReader(hex("00000003 010203")).opaque(8)).toThrow(XdrError); // missing pad
    expect(() => new XdrReader(hex("00000002")).bool()).toThrow(XdrError);
    expect(() => new XdrReader(hex("0020000000000000")).uint64Number()).toThrow(XdrError);
  });

  it("returns opaque as a view of the input", () => {
    const buf = hex("00000002 aabb0000");
    const o = new XdrReader(buf).opaque(2);
    buf[4] = 0xcc;
    expect(o[0]).toBe(0xcc);
  });
});
