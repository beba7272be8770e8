import { describe, expect, it } from "vitest";
import {
  encodeRecord,
  RecordDecoder,
  RecordError,
  RecordTooLargeError,
  recordMark,
} from "./record-marking.ts";

function records(): Buffer[] {
  return [Buffer.from("first record!"), Buffer.alloc(0), Buffer.from("x"), Buffer.alloc(40, 0xab)];
}

function stream(): Buffer {
  const [a, b, c, d] = records();
  return Buffer.concat([encodeRecord(a!), encodeRecord(b!), encodeRecord(c!, 1), encodeRecord(d!, 7)]);
}

describe("record marking (RFC 5531 §11)", () => {
  it("encodes golden bytes: last-fragment bit and 31-bit length", () => {
    expect(recordMark(5)).toEqual(Buffer.from("80000005", "hex"));
    expect(encodeRecord(Buffer.from("abc"), 2)).toEqual(Buffer.from("00000002616280000001" + "63", "hex"));
  });

  it("decodes one stream fed in one piece", () => {
    const d = new RecordDecoder(1024);
    expect(d.push(stream())).toEqual(records());
    expect(d.pendingBytes).toBe(0);
  });

  it("decodes at every split point of the concatenated stream", () => {
    const s = stream();
    for (let i = 0; i <= s.length; i++) {
      const d = new RecordDecoder(1024);
      const got = [...d.push(s.subarray(0, i)), ...d.push(s.subarray(i))];
      expect(got).toEqual(records());
    }
  });

  it("decodes at every pair of split points and byte by byte", () => {
    const s = stream();
    for (let i = 0; i <= s.length; i += 3) {
      for (let j = i; j <= s.length; j += 2) {
        const d = new RecordDecoder(1024);
        const got = [...d.push(s.subarray(0, i)), ...d.push(s.subarray(i, j)), ...d.push(s.subarray(j))];
        expect(got).toEqual(records());
      }
    }
    const d = new RecordDecoder(1024);
    const got: Buffer[] = [];
    for (const byte of s) got.push(...d.push(Buffer.from([byte])));
    expect(got).toEqual(records());
  });

  it("rejects a record mark claiming 2 GiB before buffering it", () => {
    const d = new RecordDecoder(1 << 20);
    expect(() => d.push(Buffer.from("ffffffff", "hex"))).toThrow(RecordTooLargeError);
  });

  it("bounds the sum of fragments, not only each fragment", () => {
    const d = new RecordDecoder(10);
    const s = encodeRecord(Buffer.alloc(16), 6);
    expect(() => d.push(s)).toThrow(RecordTooLargeError);
  });

  it("rejects a zero-length fragment that is not the last (RFC 5531 §11 gives it no meaning)", () => {
    const d = new RecordDecoder(1 << 20);
    expect(() => d.push(Buffer.alloc(4))).toThrow(RecordError);
    // A zero-length *last* fragment ends a record normally.
    const ok = new RecordDecoder(1 << 20);
    const rec = Buffer.concat([Buffer.from([0, 0, 0, 2, 7, 8]), Buffer.from([0x80, 0, 0, 0])]);
    expect(ok.push(rec)).toEqual([Buffer.from([7, 8])]);
  });

  it("caps the fragments of one record", () => {
    const d = new RecordDecoder(1 << 20, { maxFragments: 4 });
    expect(() => d.push(encodeRecord(Buffer.alloc(5), 1))).toThrow(/more than 4 fragments/);
    expect(
      new RecordDecoder(1 << 20, { maxFragments: 4 }).push(encodeRecord(Buffer.alloc(4), 1)),
    ).toHaveLength(1);
  });

  it("asks for each fragment's bytes before buffering them and waits when refused", () => {
    let grant = false;
    const asked: number[] = [];
    const reserve = (n: number) => {
      asked.push(n);
      return grant;
    };
    const d = new RecordDecoder(1 << 20, { reserve });
    const rec = encodeRecord(Buffer.from("hello"));
    expect(d.push(rec)).toEqual([]);
    expect(d.blocked).toBe(true);
    grant = true;
    expect(d.push(Buffer.alloc(0))).toEqual([Buffer.from("hello")]);
    expect(asked).toEqual([5, 5]);
  });
});
