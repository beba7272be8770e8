import { describe, expect, it } from "vitest";
import { readLoop } from "../transport/testing/read-loop.ts";
import { FrameDecoder, FrameTooLargeError, transportHeader } from "./framing.ts";

function frame(body: Buffer): Buffer {
  return Buffer.concat([transportHeader(body.length), body]);
}

describe("direct-TCP framing", () => {
  const bodies = [Buffer.from("first frame"), Buffer.alloc(0), Buffer.alloc(300, 7), Buffer.from("x")];
  const stream = Buffer.concat(bodies.map(frame));

  it("decodes concatenated frames at every split point", () => {
    for (let split = 0; split <= stream.length; split++) {
      const d = new FrameDecoder();
      const out = [...d.push(stream.subarray(0, split)), ...d.push(stream.subarray(split))];
      expect(out.map((b) => b.toString("hex"))).toEqual(bodies.map((b) => b.toString("hex")));
    }
  });

  it("decodes byte by byte", () => {
    const d = new FrameDecoder();
    const out: Buffer[] = [];
    for (const byte of stream) out.push(...d.push(Buffer.from([byte])));
    expect(out.map((b) => b.toString())).toEqual(bodies.map((b) => b.toString()));
  });

  it("rejects a frame above the bound before buffering it", () => {
    const d = new FrameDecoder(1024);
    expect(() => d.push(transportHeader(1025))).toThrow(FrameTooLargeError);
  });

  it("rejects a non-zero first header byte", () => {
    const d = new FrameDecoder();
    expect(() => d.push(Buffer.from([0x81, 0, 0, 0]))).toThrow(FrameTooLargeError);
  });

  it("reads a frame too big for the scratch in place: the frame is the buffer the reads filled", () => {
    const d = new FrameDecoder();
    const body = Buffer.alloc(1 << 20);
    for (let i = 0; i < body.length; i += 4096) body[i] = i / 4096;
    const stream = Buffer.concat([frame(Buffer.from("negotiate")), frame(body)]);
    const { out, targets } = readLoop(d, stream, (room) => Math.min(room, 60_000));
    expect(out).toHaveLength(2);
    expect(out[0]!.toString()).toBe("negotiate");
    const big = out[1]!;
    expect(big.equals(body)).toBe(true);
    // Its own memory, the one the socket read into: the payload cache adopts such a WRITE.
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(big.length);
    expect(targets.has(big.buffer)).toBe(true);
    expect(targets.size).toBe(2);
  });
});
