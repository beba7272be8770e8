/** PDU builders for the DCE/RPC tests: the bytes Samba's client sends, assembled field by field. */
import { SmbWriter } from "../wire.ts";
import { PFC_FIRST_FRAG, PFC_LAST_FRAG, PTYPE } from "./dcerpc.ts";

function pdu(ptype: number, flags: number, callId: number, body: (w: SmbWriter) => void): Buffer {
  const w = new SmbWriter();
  w.u8(5).u8(0).u8(ptype).u8(flags).u32(0x10).u16(0).u16(0).u32(callId);
  body(w);
  const b = w.finish();
  b.writeUInt16LE(b.length, 8);
  return b;
}

/** BIND ([C706] §12.6.4.3) with max fragments 4280 and the given contexts. */
export function bindPdu(
  callId: number,
  contexts: { id: number; abstract: Buffer; transfers: Buffer[] }[],
): Buffer {
  return pdu(PTYPE.BIND, PFC_FIRST_FRAG | PFC_LAST_FRAG, callId, (w) => {
    w.u16(4280).u16(4280).u32(0).u8(contexts.length).u8(0).u16(0);
    for (const c of contexts) {
      w.u16(c.id).u8(c.transfers.length).u8(0).bytes(c.abstract);
      for (const t of c.transfers) w.bytes(t);
    }
  });
}

/** REQUEST ([C706] §12.6.4.9) carrying `stub` for `opnum` on context 0 (flags: first/last). */
export function requestPdu(
  callId: number,
  opnum: number,
  stub: Buffer,
  flags = PFC_FIRST_FRAG | PFC_LAST_FRAG,
): Buffer {
  return pdu(PTYPE.REQUEST, flags, callId, (w) => w.u32(stub.length).u16(0).u16(opnum).bytes(stub));
}
