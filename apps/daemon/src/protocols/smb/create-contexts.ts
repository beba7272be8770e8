/**
 * SMB2_CREATE_CONTEXT lists ([MS-SMB2] §2.2.13.2, §2.2.14.2). Contexts the server does not
 * understand are ignored (§3.3.5.9); it answers MxAc (maximal access) and QFid (on-disk id).
 */
import { SMB2_HEADER_SIZE } from "./constants.ts";
import { STATUS_INVALID_PARAMETER } from "./ntstatus.ts";
import { SmbError } from "./status.ts";
import { SmbReader, SmbWriter } from "./wire.ts";

export const MAX_CREATE_CONTEXTS = 32;
/** [MS-SMB2] §2.2.13.2: the shortest create context name (smb2.create.blob, "bad tag length"). */
const CONTEXT_NAME_MIN = 4;
/** §2.2.14 CREATE response up to CreateContextsOffset: StructureSize … FileId. */
const CREATE_RESPONSE_HEAD_BYTES = 80;

export interface CreateContext {
  name: string;
  data: Buffer;
}

export function parseCreateContexts(msg: Buffer, offset: number, length: number): CreateContext[] {
  if (length === 0) return [];
  if (offset + length > msg.length || offset < 64)
    throw new SmbError(STATUS_INVALID_PARAMETER, "contexts range");
  const area = msg.subarray(offset, offset + length);
  const out: CreateContext[] = [];
  let at = 0;
  for (;;) {
    if (out.length >= MAX_CREATE_CONTEXTS) throw new SmbError(STATUS_INVALID_PARAMETER, "too many contexts");
    const r = new SmbReader(area, at);
    const next = r.u32();
    const nameOff = r.u16();
    const nameLen = r.u16();
    r.u16();
    const dataOff = r.u16();
    const dataLen = r.u32();
    const end = next === 0 ? area.length : at + next;
    if (end > area.length || at + nameOff + nameLen > end || (dataLen > 0 && at + dataOff + dataLen > end)) {
      throw new SmbError(STATUS_INVALID_PARAMETER, "context out of range");
    }
    // Every defined context name is at least 4 bytes; Windows and Samba refuse shorter ones.
    if (nameLen < CONTEXT_NAME_MIN) throw new SmbError(STATUS_INVALID_PARAMETER, "context name length");
    const name = area.subarray(at + nameOff, at + nameOff + nameLen).toString("latin1");
    out.push({
      name,
      data: dataLen > 0 ? area.subarray(at + dataOff, at + dataOff + dataLen) : Buffer.alloc(0),
    });
    if (next === 0) return out;
    if (next % 8 !== 0) throw new SmbError(STATUS_INVALID_PARAMETER, "context Next alignment");
    at = end;
  }
}

export function encodeCreateContexts(list: CreateContext[]): Buffer {
  const w = new SmbWriter();
  list.forEach((c, i) => {
    const start = w.length;
    const name = Buffer.from(c.name, "latin1");
    const dataOff = 16 + ((name.length + 7) & ~7);
    w.u32(0)
      .u16(16)
      .u16(name.length)
      .u16(0)
      .u16(dataOff)
      .u32(c.data.length)
      .bytes(name)
      .align(8)
      .bytes(c.data);
    if (i < list.length - 1) {
      w.align(8);
      w.patchU32(start, w.length - start);
    }
  });
  return w.finish();
}

/** A CREATE response ([MS-SMB2] §2.2.14) before encoding: its fixed fields, then its contexts. */
export interface CreateResponse {
  /** StructureSize through FileId (80 bytes). */
  head: Buffer;
  contexts: CreateContext[];
}

/** The CREATE response body: `head`, CreateContextsOffset/Length, the contexts. */
export function createResponseBody(r: CreateResponse): Buffer {
  const ctx = encodeCreateContexts(r.contexts);
  const w = new SmbWriter(CREATE_RESPONSE_HEAD_BYTES + 8 + ctx.length);
  w.bytes(r.head)
    .u32(ctx.length ? SMB2_HEADER_SIZE + CREATE_RESPONSE_HEAD_BYTES + 8 : 0)
    .u32(ctx.length)
    .bytes(ctx);
  return w.finish();
}
