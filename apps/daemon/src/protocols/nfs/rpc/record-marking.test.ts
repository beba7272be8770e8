import { describe, expect, it } from "vitest";
import { BufferPool, pooled, release, vouch } from "../../../domain/buffer-pool.ts";
import { prng, randInt, randomFill, seedFromEnv } from "../../../domain/testing/prng.ts";
import { READ_SCRATCH_BYTES } from "../../transport/framed-reader.ts";
import { readLoop } from "../../transport/testing/read-loop.ts";
import {
  encodeRecord,
  MAX_FRAGMENTS_PER_RECORD,
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

  it("reads a fragment too big for the scratch in place: the record is the buffer the reads filled", () => {
    const d = new RecordDecoder(2 << 20);
    const body = randomFill(prng(7), Buffer.allocUnsafe(1 << 20));
    const stream = Buffer.concat([encodeRecord(Buffer.from("small call")), encodeRecord(body)]);
    const { out, targets } = readLoop(d, stream, (room) => Math.min(room, 60_000));
    expect(out).toHaveLength(2);
    expect(out[0]).toEqual(Buffer.from("small call"));
    const big = out[1]!;
    expect(big.equals(body)).toBe(true); // toEqual walks 1 MiB element by element
    // Its own memory (docs/payload.md: the cache adopts such a WRITE without a copy) and one of
    // the buffers the socket read into, not a copy assembled afterwards.
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(big.length);
    expect(targets.has(big.buffer)).toBe(true);
    // Reads went into two buffers: the scratch and the record; no buffer per read.
    expect(targets.size).toBe(2);
  });

  it("a small record is copied out of the scratch: the next read does not change it", () => {
    const d = new RecordDecoder(1024);
    const [rec] = readLoop(d, encodeRecord(Buffer.from("abc"))).out;
    d.readBuffer().fill(0x7a);
    expect(rec).toEqual(Buffer.from("abc"));
  });

  it("matches the records sent for any read sizes, scratch sizes and budget refusals (seeded)", () => {
    const seed = seedFromEnv("DITTOFS_SEED");
    console.log(`record decoder seed=${seed}`);
    const rnd = prng(seed);
    for (let round = 0; round < 200; round++) {
      const sent: Buffer[] = [];
      const parts: Buffer[] = [];
      for (let i = randInt(rnd, 1, 12); i > 0; i--) {
        const r = randomFill(rnd, Buffer.allocUnsafe(randInt(rnd, 0, rnd() < 0.2 ? 300 : 40)));
        sent.push(r);
        // Fragments as small as one byte, but never more than a record may have (the decoder
        // refuses those, tested above).
        const fragmentMin = Math.max(1, Math.ceil(r.length / MAX_FRAGMENTS_PER_RECORD));
        parts.push(encodeRecord(r, randInt(rnd, fragmentMin, 400)));
      }
      const stream = Buffer.concat(parts);
      let refusals = 0;
      const d = new RecordDecoder(1 << 20, {
        scratchBytes: randInt(rnd, 8, 64),
        reserve: () => rnd() >= 0.3 || refusals++ > 1000,
      });
      const got: Buffer[] = [];
      let off = 0;
      while (off < stream.length || d.blocked) {
        if (d.blocked) {
          // The connection stops reading until the budget has room, then decodes again.
          got.push(...d.resume());
          continue;
        }
        const target = d.readBuffer();
        const n = Math.min(randInt(rnd, 1, target.length), stream.length - off);
        stream.copy(target, 0, off, off + n);
        off += n;
        got.push(...d.filled(n));
      }
      expect(got).toEqual(sent);
      expect(d.pendingBytes).toBe(0);
    }
  });

  it("keeps the bytes read after a refused fragment and goes on when the budget has room", () => {
    let grant = false;
    const d = new RecordDecoder(1 << 20, { reserve: () => grant });
    const body = Buffer.alloc(READ_SCRATCH_BYTES * 2, 0x5a);
    const stream = encodeRecord(body);
    // The first read fills the scratch; reading then pauses (the connection's budget wait).
    const target = d.readBuffer();
    stream.copy(target, 0, 0, target.length);
    expect(d.filled(target.length)).toEqual([]);
    expect(d.blocked).toBe(true);
    // The buffer handed out while blocked is not empty (an empty one would read as EOF).
    const next = d.readBuffer();
    expect(next.length).toBeGreaterThan(0);
    grant = true;
    expect(d.resume()).toEqual([]);
    // The read that was already handed out lands in the scratch and moves into the record.
    const rest = stream.subarray(target.length);
    const k = Math.min(next.length, rest.length);
    rest.copy(next, 0, 0, k);
    const out = [...d.filled(k), ...readLoop(d, rest.subarray(k)).out];
    expect(out).toHaveLength(1);
    expect(out[0]!.equals(body)).toBe(true);
  });

  it("receives big fragments in pooled memory; joined fragments and a body cut off go back", () => {
    const pool = new BufferPool();
    const d = new RecordDecoder(4 * 1024 * 1024, { pool });
    const big = randomFill(prng(3), Buffer.allocUnsafe(100_000));
    const [one] = d.push(encodeRecord(big));
    expect(one!.equals(big) && pooled(one!)).toBe(true);
    vouch(one!); // a WRITE's handler vouched; the call ended
    release(one!);
    expect(pool.counters.returned).toBe(1);
    // Two big fragments make one record copied together: the fragments are free at once.
    const [joined] = d.push(encodeRecord(big, 60_000));
    expect(joined!.equals(big) && !pooled(joined!)).toBe(true);
    expect(pool.counters).toMatchObject({ allocated: 3, returned: 3 });
    // A body half received when the connection closes (in the first record's memory again).
    d.push(encodeRecord(big).subarray(0, 50_000));
    d.dispose();
    expect(pool.counters).toMatchObject({ allocated: 3, reused: 1, returned: 4 });
  });
});
