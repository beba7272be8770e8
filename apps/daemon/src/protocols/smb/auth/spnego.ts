/**
 * The SPNEGO wrapping of NTLMSSP tokens (RFC 4178, [MS-SPNG]) in a minimal DER codec. Only the
 * NTLMSSP mechanism is offered. Clients that send raw NTLMSSP (the Linux "RawNTLMSSP" mode) get
 * raw tokens back.
 */
export const OID_SPNEGO = Buffer.from("2b0601050502", "hex"); // 1.3.6.1.5.5.2
export const OID_NTLMSSP = Buffer.from("2b06010401823702020a", "hex"); // 1.3.6.1.4.1.311.2.2.10
/** Size bound on a client token (the DER walk is fixed-depth: negTokenInit/Resp fields only). */
export const MAX_SPNEGO_TOKEN_BYTES = 16 * 1024;

export const NEG_STATE_ACCEPT_COMPLETED = 0;
export const NEG_STATE_ACCEPT_INCOMPLETE = 1;
/** @public RFC 4178 §4.2.2 negState reject: never sent (a failed logon answers STATUS_LOGON_FAILURE). */
export const NEG_STATE_REJECT = 2;

export class SpnegoError extends Error {}

interface Tlv {
  tag: number;
  value: Buffer;
  end: number;
}

function readTlv(buf: Buffer, at: number): Tlv {
  if (at + 2 > buf.length) throw new SpnegoError("truncated TLV");
  const tag = buf[at]!;
  let len = buf[at + 1]!;
  let p = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || p + n > buf.length) throw new SpnegoError("bad DER length");
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | buf[p + i]!;
    p += n;
  }
  if (p + len > buf.length) throw new SpnegoError("TLV past end");
  return { tag, value: buf.subarray(p, p + len), end: p + len };
}

function children(buf: Buffer): Tlv[] {
  const out: Tlv[] = [];
  let at = 0;
  while (at < buf.length) {
    const t = readTlv(buf, at);
    out.push(t);
    at = t.end;
  }
  return out;
}

function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const value = Buffer.concat(parts);
  const n = value.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else if (n < 0x100) len = Buffer.from([0x81, n]);
  else if (n < 0x10000) len = Buffer.from([0x82, n >> 8, n & 0xff]);
  else len = Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, value]);
}

export function isRawNtlmssp(blob: Buffer): boolean {
  return blob.length >= 8 && blob.subarray(0, 7).toString("latin1") === "NTLMSSP";
}

/** The mechToken / responseToken inside a NegTokenInit or NegTokenResp; null if absent. */
export function extractMechToken(blob: Buffer): Buffer | null {
  if (blob.length > MAX_SPNEGO_TOKEN_BYTES) throw new SpnegoError("token too large");
  if (isRawNtlmssp(blob)) return blob;
  const outer = readTlv(blob, 0);
  let seq: Tlv;
  if (outer.tag === 0x60) {
    const [oid, init] = children(outer.value);
    if (oid?.tag !== 0x06 || !oid.value.equals(OID_SPNEGO) || init?.tag !== 0xa0) {
      throw new SpnegoError("not SPNEGO");
    }
    seq = readTlv(init.value, 0);
  } else if (outer.tag === 0xa1) {
    seq = readTlv(outer.value, 0);
  } else {
    throw new SpnegoError(`unexpected tag 0x${outer.tag.toString(16)}`);
  }
  if (seq.tag !== 0x30) throw new SpnegoError("expected SEQUENCE");
  for (const field of children(seq.value)) {
    if (field.tag !== 0xa2) continue;
    const octets = readTlv(field.value, 0);
    if (octets.tag !== 0x04) throw new SpnegoError("token not an OCTET STRING");
    return octets.value;
  }
  return null;
}

/** NegTokenInit2 advertised in the NEGOTIATE response ([MS-SPNG] §2.2.1). */
export function negTokenInit(): Buffer {
  const mechTypes = tlv(0xa0, tlv(0x30, tlv(0x06, OID_NTLMSSP)));
  return tlv(0x60, tlv(0x06, OID_SPNEGO), tlv(0xa0, tlv(0x30, mechTypes)));
}

/** NegTokenResp (RFC 4178 §4.2.2). */
export function negTokenResp(state: number, token: Buffer | null, withMech: boolean): Buffer {
  const fields = [tlv(0xa0, tlv(0x0a, Buffer.from([state])))];
  if (withMech) fields.push(tlv(0xa1, tlv(0x06, OID_NTLMSSP)));
  if (token) fields.push(tlv(0xa2, tlv(0x04, token)));
  return tlv(0xa1, tlv(0x30, ...fields));
}
