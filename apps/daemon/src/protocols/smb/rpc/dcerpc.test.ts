import { describe, expect, it } from "vitest";
import * as R from "./dcerpc.ts";
import { bindPdu } from "./testing.ts";

const SRVSVC = R.syntaxId("4b324fc8-1670-01d3-1278-5a47bf6ee188", 3, 0);

describe("DCE/RPC PDUs", () => {
  it("puts UUIDs on the wire with their first three fields little-endian", () => {
    expect(R.NDR_SYNTAX.toString("hex")).toBe("045d888aeb1cc9119fe808002b10486002000000");
    expect(SRVSVC.toString("hex")).toBe("c84f324b7016d30112785a47bf6ee18803000000");
  });

  it("rejects headers that are not version 5.0 little-endian with a sane frag_length", () => {
    const ok = bindPdu(1, []);
    expect(R.decodeHeader(ok)).toMatchObject({ ptype: R.PTYPE.BIND, callId: 1, fragLength: ok.length });
    const bad = (patch: (b: Buffer) => void) => {
      const b = Buffer.from(ok);
      patch(b);
      return R.decodeHeader(b);
    };
    expect(bad((b) => (b[0] = 4))).toBeNull();
    expect(bad((b) => (b[4] = 0x00))).toBeNull();
    expect(bad((b) => b.writeUInt16LE(15, 8))).toBeNull();
    expect(R.decodeHeader(ok.subarray(0, 15))).toBeNull();
  });

  it("answers each proposed context: accept NDR, reject others with their reason, ack bind-time features", () => {
    const feature = Buffer.concat([
      R.uuidBytes("6cb71c2c-9812-4540-0300-000000000000"),
      Buffer.from([1, 0, 0, 0]),
    ]);
    const ndr64 = R.syntaxId("71710533-beba-4937-8319-b5dbef9ccc36", 1, 0);
    const body = R.decodeBind(
      bindPdu(2, [
        { id: 0, abstract: SRVSVC, transfers: [R.NDR_SYNTAX] },
        { id: 1, abstract: SRVSVC, transfers: [ndr64] },
        { id: 2, abstract: R.NDR_SYNTAX, transfers: [R.NDR_SYNTAX] },
        { id: 3, abstract: SRVSVC, transfers: [feature] },
      ]),
    );
    const results = body.contexts.map((c) => R.contextResult(c, SRVSVC));
    expect(results.map((r) => [r.result, r.reason])).toEqual([
      [0, 0],
      [2, 2],
      [2, 1],
      [3, 0],
    ]);
    const ack = R.encodeBindAck(
      R.PTYPE.BIND_ACK,
      2,
      { xmit: 4280, recv: 4280 },
      0x53f0,
      "\\PIPE\\srvsvc",
      results,
    );
    expect(R.decodeHeader(ack)).toMatchObject({ ptype: R.PTYPE.BIND_ACK, callId: 2, fragLength: ack.length });
    // max_xmit, max_recv, assoc_group, sec_addr (length 13 + "\PIPE\srvsvc\0"), pad to 4, 4 results
    expect(ack.readUInt16LE(24)).toBe(13);
    expect(ack.subarray(26, 38).toString("latin1")).toBe("\\PIPE\\srvsvc");
    expect(ack.readUInt8(40)).toBe(4);
    expect(ack.subarray(44, 68)).toEqual(Buffer.from([0, 0, 0, 0, ...R.NDR_SYNTAX]));
    expect(ack.length).toBe(44 + 4 * 24);
  });

  it("refuses a BIND with too many contexts", () => {
    const many = Array.from({ length: R.MAX_CONTEXTS_PER_BIND + 1 }, (_, id) => ({
      id,
      abstract: SRVSVC,
      transfers: [R.NDR_SYNTAX],
    }));
    expect(() => R.decodeBind(bindPdu(1, many))).toThrow(RangeError);
  });

  it("cuts a response stub into fragments of at most max_xmit_frag, pieces a multiple of 8", () => {
    const stub = Buffer.from(Array.from({ length: 10_001 }, (_, i) => i & 0xff));
    const frags = R.encodeResponse(7, 0, stub, 4280);
    expect(frags.length).toBe(3);
    for (const [i, f] of frags.entries()) {
      const h = R.decodeHeader(f)!;
      expect(h.fragLength).toBe(f.length);
      expect(f.length).toBeLessThanOrEqual(4280);
      expect(h.flags & R.PFC_FIRST_FRAG).toBe(i === 0 ? R.PFC_FIRST_FRAG : 0);
      expect(h.flags & R.PFC_LAST_FRAG).toBe(i === 2 ? R.PFC_LAST_FRAG : 0);
      if (i < 2) expect((f.length - R.REQUEST_HEADER_BYTES) % 8).toBe(0);
    }
    expect(frags[1]!.readUInt32LE(16)).toBe(10_001 - (frags[0]!.length - R.REQUEST_HEADER_BYTES));
    expect(Buffer.concat(frags.map((f) => f.subarray(R.REQUEST_HEADER_BYTES)))).toEqual(stub);
    expect(R.encodeResponse(1, 0, Buffer.alloc(0), 4280)).toHaveLength(1);
  });

  it("encodes a FAULT with its status and did-not-execute", () => {
    const f = R.encodeFault(9, 1, R.NCA_S_OP_RNG_ERROR);
    expect(f.length).toBe(32);
    expect(R.decodeHeader(f)).toMatchObject({ ptype: R.PTYPE.FAULT, callId: 9 });
    expect(f[3]! & R.PFC_DID_NOT_EXECUTE).toBe(R.PFC_DID_NOT_EXECUTE);
    expect(f.readUInt16LE(20)).toBe(1);
    expect(f.readUInt32LE(24)).toBe(R.NCA_S_OP_RNG_ERROR);
  });
});
