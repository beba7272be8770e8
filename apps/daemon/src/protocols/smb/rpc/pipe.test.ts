import { describe, expect, it } from "vitest";
import * as R from "./dcerpc.ts";
import { NdrReader, NdrWriter } from "./ndr.ts";
import { MAX_REQUEST_STUB_BYTES, PipeError, RpcFault, type RpcInterface, RpcPipe } from "./pipe.ts";
import { bindPdu, requestPdu } from "./testing.ts";

const IFACE = R.syntaxId("12345678-1234-abcd-ef00-0123456789ab", 1, 0);

/** Echoes the stub reversed on opnum 1, faults 0x42 on opnum 2, reads a u32 on opnum 3. */
const echo: RpcInterface = {
  endpoint: "\\PIPE\\echo",
  syntax: IFACE,
  call(opnum, stub) {
    if (opnum === 1) return Buffer.from(stub).reverse();
    if (opnum === 3) return new NdrWriter().u32(new NdrReader(stub).u32()).finish();
    throw new RpcFault(0x42);
  },
};

const BIND = bindPdu(1, [{ id: 0, abstract: IFACE, transfers: [R.NDR_SYNTAX] }]);

/** Every message waiting on the pipe, each read whole. */
function drain(p: RpcPipe): Buffer[] {
  const out: Buffer[] = [];
  for (let m = p.read(1 << 20); m; m = p.read(1 << 20)) out.push(m.data);
  return out;
}

function bound(): RpcPipe {
  const p = new RpcPipe(echo);
  p.write(BIND);
  const [ack] = drain(p);
  expect(R.decodeHeader(ack!)?.ptype).toBe(R.PTYPE.BIND_ACK);
  return p;
}

describe("RPC pipe", () => {
  it("handles a BIND and a REQUEST written at every split point", () => {
    const stream = Buffer.concat([BIND, requestPdu(2, 1, Buffer.from("abcdefgh"))]);
    for (let cut = 1; cut < stream.length; cut++) {
      const p = new RpcPipe(echo);
      p.write(stream.subarray(0, cut));
      p.write(stream.subarray(cut));
      const [ack, resp] = drain(p);
      expect(R.decodeHeader(ack!)?.ptype).toBe(R.PTYPE.BIND_ACK);
      expect(R.decodeHeader(resp!)).toMatchObject({ ptype: R.PTYPE.RESPONSE, callId: 2 });
      expect(resp!.subarray(R.REQUEST_HEADER_BYTES).toString()).toBe("hgfedcba");
    }
  });

  it("gives a message out in pieces when the read is smaller (message-mode pipe)", () => {
    const p = bound();
    p.write(requestPdu(2, 1, Buffer.alloc(100, 1)));
    const first = p.read(50)!;
    expect(first).toMatchObject({ more: true });
    expect(first.data.length).toBe(50);
    const rest = p.read(1000)!;
    expect(rest.more).toBe(false);
    expect(rest.data.length).toBe(R.REQUEST_HEADER_BYTES + 100 - 50);
    expect(p.read(1000)).toBeNull();
  });

  it("reassembles a fragmented REQUEST and fragments a large RESPONSE", () => {
    const p = bound();
    const stub = Buffer.from(Array.from({ length: 9000 }, (_, i) => i % 251));
    p.write(requestPdu(3, 1, stub.subarray(0, 4000), R.PFC_FIRST_FRAG));
    expect(p.readable).toBe(false);
    p.write(requestPdu(3, 1, stub.subarray(4000), R.PFC_LAST_FRAG));
    const frags = drain(p);
    expect(frags.length).toBe(3);
    const back = Buffer.concat(frags.map((f) => f.subarray(R.REQUEST_HEADER_BYTES)));
    expect(back).toEqual(Buffer.from(stub).reverse());
  });

  it("answers faults: no bound context, the interface's fault, bad stub data, unknown PDU types", () => {
    const fault = (p: RpcPipe) => drain(p).map((f) => [R.decodeHeader(f)!.ptype, f.readUInt32LE(24)]);
    const unbound = new RpcPipe(echo);
    unbound.write(requestPdu(1, 1, Buffer.alloc(4)));
    expect(fault(unbound)).toEqual([[R.PTYPE.FAULT, R.NCA_S_UNKNOWN_IF]]);
    const p = bound();
    p.write(requestPdu(2, 2, Buffer.alloc(4)));
    p.write(requestPdu(3, 3, Buffer.alloc(2)));
    p.write(Buffer.from([5, 0, 17, 3, 0x10, 0, 0, 0, 16, 0, 0, 0, 4, 0, 0, 0]));
    expect(fault(p)).toEqual([
      [R.PTYPE.FAULT, 0x42],
      [R.PTYPE.FAULT, R.NCA_S_FAULT_NDR],
      [R.PTYPE.FAULT, R.NCA_S_PROTO_ERROR],
    ]);
  });

  it("refuses a request stub past MAX_REQUEST_STUB_BYTES and keeps serving", () => {
    const p = bound();
    const piece = Buffer.alloc(4096);
    for (let sent = 0; sent <= MAX_REQUEST_STUB_BYTES; sent += piece.length) {
      p.write(requestPdu(5, 1, piece, sent === 0 ? R.PFC_FIRST_FRAG : 0));
    }
    expect(drain(p).map((f) => f.readUInt32LE(24))).toEqual([R.NCA_S_PROTO_ERROR]);
    p.write(requestPdu(6, 1, Buffer.from("ok")));
    expect(drain(p)[0]!.subarray(R.REQUEST_HEADER_BYTES).toString()).toBe("ko");
  });

  it("throws PipeError on bytes that are not DCE/RPC and when replies are never read", () => {
    expect(() => new RpcPipe(echo).write(Buffer.alloc(16, 0xff))).toThrow(PipeError);
    const p = bound();
    expect(() => {
      for (let i = 0; i < 1000; i++) p.write(requestPdu(i, 1, Buffer.alloc(4000)));
    }).toThrow(PipeError);
  });
});
