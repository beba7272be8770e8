import { describe, expect, it } from "vitest";
import { CREDIT_TARGET, CreditWindow, splitChain } from "./chain.ts";
import { SMB2_DIALECT_210 } from "./constants.ts";
import { MAX_CREDITS } from "./state.ts";
import { SmbError } from "./status.ts";

function msg(len: number, next: number): Buffer {
  const b = Buffer.alloc(len);
  b.writeUInt32LE(next, 20);
  return b;
}

describe("compound chains", () => {
  it("splits on NextCommand and rejects misaligned or out-of-range offsets", () => {
    const frame = Buffer.concat([msg(72, 72), msg(80, 80), msg(70, 0)]);
    expect(splitChain(frame).map((m) => m.length)).toEqual([72, 80, 70]);
    expect(() => splitChain(Buffer.concat([msg(70, 70), msg(64, 0)]))).toThrow(SmbError);
    expect(() => splitChain(msg(72, 800))).toThrow(SmbError);
    expect(() => splitChain(Buffer.alloc(10))).toThrow(SmbError);
  });
});

describe("credit window", () => {
  it("charges large requests, tops up towards the target, never exceeds the maximum or starves", () => {
    const w = new CreditWindow();
    expect(w.grant(SMB2_DIALECT_210, 1, 1)).toBeGreaterThan(1);
    for (let i = 0; i < 100; i++) w.grant(SMB2_DIALECT_210, 1, 1);
    expect(w.outstanding).toBe(CREDIT_TARGET);
    for (let i = 0; i < 100; i++) w.grant(SMB2_DIALECT_210, 1, 65535);
    expect(w.outstanding).toBe(MAX_CREDITS);
    // A client that overspends still gets at least one credit back.
    const starved = new CreditWindow();
    expect(starved.grant(SMB2_DIALECT_210, 500, 0)).toBeGreaterThanOrEqual(1);
    expect(starved.outstanding).toBeGreaterThanOrEqual(1);
  });
});
