import { describe, expect, it } from "vitest";
import {
  extractMechToken,
  NEG_STATE_ACCEPT_INCOMPLETE,
  negTokenInit,
  negTokenResp,
  SpnegoError,
} from "./spnego.ts";

const hex = (s: string) => Buffer.from(s, "hex");

describe("SPNEGO", () => {
  it("extracts the NTLMSSP NEGOTIATE from a Windows-style NegTokenInit", () => {
    // NegTokenInit with mechTypes [NTLMSSP] and a 40-byte mechToken (captured shape).
    const ntlm = Buffer.concat([Buffer.from("NTLMSSP\0"), hex("01000000978208e2"), Buffer.alloc(24)]);
    const token = Buffer.concat([
      hex("604806062b0601050502a03e303ca00e300c060a2b06010401823702020aa22a0428"),
      ntlm,
    ]);
    expect(extractMechToken(token)).toEqual(ntlm);
  });

  it("round-trips a NegTokenResp responseToken and passes raw NTLMSSP through", () => {
    const inner = Buffer.concat([Buffer.from("NTLMSSP\0"), Buffer.alloc(300, 1)]);
    const resp = negTokenResp(NEG_STATE_ACCEPT_INCOMPLETE, inner, true);
    expect(resp[0]).toBe(0xa1);
    expect(extractMechToken(resp)).toEqual(inner);
    expect(extractMechToken(inner)).toBe(inner);
  });

  it("offers NTLMSSP in the NegTokenInit2", () => {
    expect(negTokenInit().toString("hex")).toContain("060a2b06010401823702020a");
  });

  it("rejects truncated and foreign tokens", () => {
    expect(() => extractMechToken(hex("6048"))).toThrow(SpnegoError);
    expect(() => extractMechToken(hex("300100"))).toThrow(SpnegoError);
    expect(() => extractMechToken(hex("a1843fffffff"))).toThrow(SpnegoError);
  });
});
