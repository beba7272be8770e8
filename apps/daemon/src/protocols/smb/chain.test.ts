import { describe, expect, it } from "vitest";
import { CreditWindow, splitChain } from "./chain.ts";
import { SMB2_DIALECT_210 } from "./constants.ts";
import { MAX_CREDITS } from "./limits.ts";
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
  it("grants the charge plus what was asked beyond one, as Samba; never exceeds the maximum or starves", () => {
    const w = new CreditWindow();
    // smbtorture smb2.credits.single_req_credits_granted: asking for 1 credit gets 1.
    for (let i = 0; i < 10; i++) expect(w.grant(SMB2_DIALECT_210, 1, 1)).toBe(1);
    expect(w.outstanding).toBe(1);
    expect(w.grant(SMB2_DIALECT_210, 1, 65535)).toBe(MAX_CREDITS);
    expect(w.grant(SMB2_DIALECT_210, 4, 65535)).toBe(4);
    expect(w.outstanding).toBe(MAX_CREDITS);
    // NEGOTIATE and an unfinished SESSION_SETUP grant their charge only.
    const early = new CreditWindow();
    expect(early.grant(0, 1, 31, false)).toBe(1);
    expect(early.grant(SMB2_DIALECT_210, 1, 0)).toBe(1);
    // A client that overspends still gets at least one credit back.
    const starved = new CreditWindow();
    expect(starved.grant(SMB2_DIALECT_210, 500, 0)).toBeGreaterThanOrEqual(1);
    expect(starved.outstanding).toBeGreaterThanOrEqual(1);
  });
});
