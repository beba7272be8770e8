/**
 * Connection-oriented DCE/RPC PDUs ([C706] §12.6, [MS-RPCE] §2.2.2) as carried by a named pipe:
 * the common header, BIND / ALTER_CONTEXT and their acknowledgments, REQUEST, RESPONSE and FAULT.
 * Only the NDR transfer syntax, little-endian data representation and no authentication verifier
 * are spoken (the SMB session already authenticated the caller).
 */
import { SmbReader, SmbWriter } from "../wire.ts";

/** [C706] §12.6.3.1 PTYPE values. */
export const PTYPE = {
  REQUEST: 0,
  RESPONSE: 2,
  FAULT: 3,
  BIND: 11,
  BIND_ACK: 12,
  BIND_NAK: 13,
  ALTER_CONTEXT: 14,
  ALTER_CONTEXT_RESP: 15,
} as const;

export const PFC_FIRST_FRAG = 0x01;
export const PFC_LAST_FRAG = 0x02;
export const PFC_DID_NOT_EXECUTE = 0x20;
export const PFC_OBJECT_UUID = 0x80;

/** [C706] Appendix E / [MS-RPCE] §2.2.2.7 fault status codes. */
export const NCA_S_OP_RNG_ERROR = 0x1c010002;
export const NCA_S_UNKNOWN_IF = 0x1c010003;
export const NCA_S_PROTO_ERROR = 0x1c01000b;
/** RPC_X_BAD_STUB_DATA: the stub did not decode. */
export const NCA_S_FAULT_NDR = 0x000006f7;
export const NCA_S_FAULT_ACCESS_DENIED = 0x00000005;

/** p_cont_def_result_t ([C706] §12.6.3.1, [MS-RPCE] §2.2.2.4 negotiate_ack). */
const ACCEPTANCE = 0;
const PROVIDER_REJECTION = 2;
const NEGOTIATE_ACK = 3;
/** p_provider_reason_t. */
const ABSTRACT_SYNTAX_NOT_SUPPORTED = 1;
const PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED = 2;

export const COMMON_HEADER_BYTES = 16;
/** REQUEST and RESPONSE add alloc_hint, p_cont_id and opnum/cancel_count after the header. */
export const REQUEST_HEADER_BYTES = 24;
/** Most presentation contexts one BIND may carry. */
export const MAX_CONTEXTS_PER_BIND = 16;
const MAX_TRANSFER_SYNTAXES = 8;
const SYNTAX_BYTES = 20;
/** packed_drep: little-endian integers, ASCII characters, IEEE floats. */
const DREP_LITTLE_ENDIAN = 0x10;

/** The bytes of a UUID as NDR puts them on the wire (first three fields little-endian). */
export function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, "");
  const b = Buffer.from(hex, "hex");
  b.subarray(0, 4).reverse();
  b.subarray(4, 6).reverse();
  b.subarray(6, 8).reverse();
  return b;
}

/** p_syntax_id_t: interface UUID and version (major in the low 16 bits, minor above). */
export function syntaxId(uuid: string, major: number, minor: number): Buffer {
  const w = new SmbWriter(SYNTAX_BYTES).bytes(uuidBytes(uuid)).u16(major).u16(minor);
  return w.finish();
}

/** [C706] §14: the NDR transfer syntax, version 2. */
export const NDR_SYNTAX = syntaxId("8a885d04-1ceb-11c9-9fe8-08002b104860", 2, 0);
/** [MS-RPCE] §3.3.1.5.3: bind-time feature negotiation proposes this UUID prefix. */
const BIND_TIME_FEATURE_PREFIX = uuidBytes("6cb71c2c-9812-4540-0000-000000000000").subarray(0, 8);

export interface PduHeader {
  ptype: number;
  flags: number;
  fragLength: number;
  authLength: number;
  callId: number;
}

/** The common header, or null when the bytes cannot be a version 5.0 little-endian PDU. */
export function decodeHeader(b: Buffer): PduHeader | null {
  if (b.length < COMMON_HEADER_BYTES) return null;
  if (b[0] !== 5 || b[1] !== 0 || (b[4]! & 0xf0) !== DREP_LITTLE_ENDIAN) return null;
  const fragLength = b.readUInt16LE(8);
  if (fragLength < COMMON_HEADER_BYTES) return null;
  return {
    ptype: b[2]!,
    flags: b[3]!,
    fragLength,
    authLength: b.readUInt16LE(10),
    callId: b.readUInt32LE(12),
  };
}

function header(w: SmbWriter, ptype: number, flags: number, callId: number): void {
  w.u8(5).u8(0).u8(ptype).u8(flags).u8(DREP_LITTLE_ENDIAN).zeros(3).u16(0).u16(0).u32(callId);
}

/** Writes frag_length once the PDU is complete. */
function finishPdu(w: SmbWriter): Buffer {
  w.patchU16(8, w.length);
  return w.finish();
}

export interface PresentationContext {
  id: number;
  abstract: Buffer;
  transfers: Buffer[];
}

export interface BindBody {
  maxXmitFrag: number;
  maxRecvFrag: number;
  assocGroup: number;
  contexts: PresentationContext[];
}

/** BIND / ALTER_CONTEXT body ([C706] §12.6.4.3); throws on a short or oversized list. */
export function decodeBind(pdu: Buffer): BindBody {
  const r = new SmbReader(pdu, COMMON_HEADER_BYTES);
  const maxXmitFrag = r.u16();
  const maxRecvFrag = r.u16();
  const assocGroup = r.u32();
  const count = r.u8();
  r.skip(3);
  if (count > MAX_CONTEXTS_PER_BIND) throw new RangeError("too many presentation contexts");
  const contexts: PresentationContext[] = [];
  for (let i = 0; i < count; i++) {
    const id = r.u16();
    const n = r.u8();
    r.skip(1);
    if (n > MAX_TRANSFER_SYNTAXES) throw new RangeError("too many transfer syntaxes");
    const abstract = r.bytes(SYNTAX_BYTES);
    const transfers: Buffer[] = [];
    for (let j = 0; j < n; j++) transfers.push(r.bytes(SYNTAX_BYTES));
    contexts.push({ id, abstract, transfers });
  }
  return { maxXmitFrag, maxRecvFrag, assocGroup, contexts };
}

export interface ContextResult {
  result: number;
  reason: number;
  transfer: Buffer;
}

/**
 * The answer to one proposed context: NDR accepted for the pipe's interface; a bind-time feature
 * negotiation acknowledged with no features; anything else rejected with its reason.
 */
export function contextResult(ctx: PresentationContext, iface: Buffer): ContextResult {
  const none = Buffer.alloc(SYNTAX_BYTES);
  const feature = ctx.transfers.find((t) => t.subarray(0, 8).equals(BIND_TIME_FEATURE_PREFIX));
  if (feature) return { result: NEGOTIATE_ACK, reason: 0, transfer: none };
  if (!ctx.abstract.equals(iface)) {
    return { result: PROVIDER_REJECTION, reason: ABSTRACT_SYNTAX_NOT_SUPPORTED, transfer: none };
  }
  if (!ctx.transfers.some((t) => t.equals(NDR_SYNTAX))) {
    return { result: PROVIDER_REJECTION, reason: PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED, transfer: none };
  }
  return { result: ACCEPTANCE, reason: 0, transfer: NDR_SYNTAX };
}

export function isAccepted(r: ContextResult): boolean {
  return r.result === ACCEPTANCE;
}

/** BIND_ACK / ALTER_CONTEXT_RESP ([C706] §12.6.4.4); `secondaryAddress` is empty for the latter. */
export function encodeBindAck(
  ptype: number,
  callId: number,
  frags: { xmit: number; recv: number },
  assocGroup: number,
  secondaryAddress: string,
  results: ContextResult[],
): Buffer {
  const w = new SmbWriter(128);
  header(w, ptype, PFC_FIRST_FRAG | PFC_LAST_FRAG, callId);
  w.u16(frags.xmit).u16(frags.recv).u32(assocGroup);
  if (secondaryAddress) {
    const addr = Buffer.from(`${secondaryAddress}\0`, "latin1");
    w.u16(addr.length).bytes(addr);
  } else w.u16(0);
  w.align(4).u8(results.length).u8(0).u16(0);
  for (const r of results) w.u16(r.result).u16(r.reason).bytes(r.transfer);
  return finishPdu(w);
}

/** BIND_NAK ([C706] §12.6.4.5): reject_reason and the one protocol version spoken (5.0). */
export function encodeBindNak(callId: number, reason: number): Buffer {
  const w = new SmbWriter(24);
  header(w, PTYPE.BIND_NAK, PFC_FIRST_FRAG | PFC_LAST_FRAG, callId);
  w.u16(reason).u8(1).u8(5).u8(0);
  return finishPdu(w);
}

export interface RequestBody {
  allocHint: number;
  contextId: number;
  opnum: number;
  stub: Buffer;
}

/** REQUEST body ([C706] §12.6.4.9): the optional object UUID is skipped. */
export function decodeRequest(pdu: Buffer, flags: number): RequestBody {
  const r = new SmbReader(pdu, COMMON_HEADER_BYTES);
  const allocHint = r.u32();
  const contextId = r.u16();
  const opnum = r.u16();
  if (flags & PFC_OBJECT_UUID) r.skip(16);
  return { allocHint, contextId, opnum, stub: pdu.subarray(r.pos) };
}

/**
 * The RESPONSE fragments for one result stub: each at most `maxFrag` bytes, each stub piece but
 * the last a multiple of 8 so NDR alignment holds across fragments.
 */
export function encodeResponse(callId: number, contextId: number, stub: Buffer, maxFrag: number): Buffer[] {
  const room = Math.max(8, (maxFrag - REQUEST_HEADER_BYTES) & ~7);
  const out: Buffer[] = [];
  for (let at = 0; at === 0 || at < stub.length; at += room) {
    const piece = stub.subarray(at, at + room);
    const flags = (at === 0 ? PFC_FIRST_FRAG : 0) | (at + room >= stub.length ? PFC_LAST_FRAG : 0);
    const w = new SmbWriter(REQUEST_HEADER_BYTES + piece.length);
    header(w, PTYPE.RESPONSE, flags, callId);
    w.u32(stub.length - at)
      .u16(contextId)
      .u8(0)
      .u8(0)
      .bytes(piece);
    out.push(finishPdu(w));
  }
  return out;
}

/** FAULT ([C706] §12.6.4.7). */
export function encodeFault(callId: number, contextId: number, status: number): Buffer {
  const w = new SmbWriter(32);
  header(w, PTYPE.FAULT, PFC_FIRST_FRAG | PFC_LAST_FRAG | PFC_DID_NOT_EXECUTE, callId);
  w.u32(0).u16(contextId).u8(0).u8(0).u32(status).u32(0);
  return finishPdu(w);
}
