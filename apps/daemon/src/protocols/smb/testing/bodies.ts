/**
 * Request bodies for command tests, built field by field from [MS-SMB2] §2.2 (not from the
 * server's decoders), plus helpers to read common response fields.
 */
import * as C from "../constants.ts";
import { SmbWriter } from "../wire.ts";
import type { FileId, SmbResponse, SmbTestClient } from "./smb-client.ts";

export interface CreateOptions {
  access?: number;
  attributes?: number;
  share?: number;
  disposition?: number;
  options?: number;
  contexts?: Buffer;
  /** RequestedOplockLevel (§2.2.13). */
  oplock?: number;
}

/** §2.2.13 CREATE request. */
export function createBody(name: string, o: CreateOptions = {}): Buffer {
  const n = Buffer.from(name, "utf16le");
  const nameOff = 64 + 56;
  const ctx = o.contexts ?? Buffer.alloc(0);
  const ctxOff = ctx.length ? (nameOff + n.length + 7) & ~7 : 0;
  const w = new SmbWriter();
  w.u16(57)
    .u8(0)
    .u8(o.oplock ?? 0)
    .u32(2)
    .u64(0n)
    .u64(0n);
  w.u32(o.access ?? C.FILE_ALL_ACCESS)
    .u32(o.attributes ?? 0)
    .u32(o.share ?? 7)
    .u32(o.disposition ?? C.FILE_OPEN_IF)
    .u32(o.options ?? 0)
    .u16(nameOff)
    .u16(n.length)
    .u32(ctxOff)
    .u32(ctx.length)
    .bytes(n.length ? n : Buffer.alloc(1));
  if (ctx.length) {
    while (64 + w.length < ctxOff) w.u8(0);
    w.bytes(ctx);
  }
  return w.finish();
}

export function fileIdOf(r: SmbResponse): FileId {
  return { persistent: r.body.readBigUInt64LE(64), volatile: r.body.readBigUInt64LE(72) };
}

const fid = (w: SmbWriter, f: FileId) => w.u64(f.persistent).u64(f.volatile);

export const closeBody = (f: FileId, flags = 0) => fid(new SmbWriter().u16(24).u16(flags).u32(0), f).finish();
export const flushBody = (f: FileId) => fid(new SmbWriter().u16(24).u16(0).u32(0), f).finish();

export function readBody(f: FileId, offset: bigint, length: number, minimum = 0): Buffer {
  const w = new SmbWriter().u16(49).u8(0).u8(0).u32(length).u64(offset);
  return fid(w, f).u32(minimum).u32(0).u32(0).u16(0).u16(0).u8(0).finish();
}

export function writeBody(f: FileId, offset: bigint, data: Buffer, flags = 0): Buffer {
  const w = new SmbWriter()
    .u16(49)
    .u16(64 + 48)
    .u32(data.length)
    .u64(offset);
  return fid(w, f).u32(0).u32(0).u16(0).u16(0).u32(flags).bytes(data).finish();
}

export function queryDirBody(f: FileId, cls: number, pattern: string, flags = 0, outLen = 65536): Buffer {
  const p = Buffer.from(pattern, "utf16le");
  const w = new SmbWriter().u16(33).u8(cls).u8(flags).u32(0);
  return fid(w, f)
    .u16(64 + 32)
    .u16(p.length)
    .u32(outLen)
    .bytes(p.length ? p : Buffer.alloc(1))
    .finish();
}

export function queryInfoBody(f: FileId, type: number, cls: number, outLen = 65536, additional = 0): Buffer {
  const w = new SmbWriter().u16(41).u8(type).u8(cls).u32(outLen).u16(0).u16(0).u32(0).u32(additional).u32(0);
  return fid(w, f).u8(0).finish();
}

export function setInfoBody(f: FileId, type: number, cls: number, data: Buffer, additional = 0): Buffer {
  const w = new SmbWriter()
    .u16(33)
    .u8(type)
    .u8(cls)
    .u32(data.length)
    .u16(64 + 32)
    .u16(0)
    .u32(additional);
  return fid(w, f).bytes(data).finish();
}

/** §2.2.26 LOCK; `lockSequence`: LockSequenceNumber (low 4 bits) and LockSequenceIndex (the rest). */
export function lockBody(
  f: FileId,
  locks: { offset: bigint; length: bigint; flags: number }[],
  lockSequence = 0,
): Buffer {
  const w = new SmbWriter().u16(48).u16(locks.length).u32(lockSequence);
  fid(w, f);
  for (const l of locks) w.u64(l.offset).u64(l.length).u32(l.flags).u32(0);
  return w.finish();
}

export function ioctlBody(
  ctl: number,
  input: Buffer,
  maxOut = 65536,
  f: FileId = { persistent: -1n, volatile: -1n },
): Buffer {
  const w = new SmbWriter().u16(57).u16(0).u32(ctl);
  fid(w, f)
    .u32(input.length ? 64 + 56 : 0)
    .u32(input.length)
    .u32(0)
    .u32(0)
    .u32(0)
    .u32(maxOut)
    .u32(C.SMB2_0_IOCTL_IS_FSCTL)
    .u32(0);
  return w.bytes(input.length ? input : Buffer.alloc(1)).finish();
}

/** FILE_RENAME_INFORMATION_TYPE_2 ([MS-FSCC] §2.4.37.2). */
export function renameInfo(target: string, replace = false): Buffer {
  const n = Buffer.from(target, "utf16le");
  return new SmbWriter()
    .u8(replace ? 1 : 0)
    .zeros(7)
    .u64(0n)
    .u32(n.length)
    .bytes(n)
    .finish();
}

/** Opens `name`, returning the FileId, or throws with the status. */
export async function open(c: SmbTestClient, name: string, o: CreateOptions = {}): Promise<FileId> {
  const r = await c.send(C.SMB2_CREATE, createBody(name, o));
  if (r.status !== 0) throw new Error(`CREATE ${name}: 0x${r.status.toString(16)}`);
  return fileIdOf(r);
}

export async function writeFile(c: SmbTestClient, name: string, data: Buffer): Promise<void> {
  const f = await open(c, name, { disposition: C.FILE_OVERWRITE_IF });
  const w = await c.send(C.SMB2_WRITE, writeBody(f, 0n, data));
  if (w.status !== 0) throw new Error(`WRITE: 0x${w.status.toString(16)}`);
  await c.send(C.SMB2_CLOSE, closeBody(f));
}

/** Names in a FileNamesInformation / FileIdBothDirectoryInformation buffer. */
export function entryNames(r: SmbResponse, cls: number): string[] {
  const off = r.body.readUInt16LE(2);
  const len = r.body.readUInt32LE(4);
  const buf = r.msg.subarray(off, off + len);
  const names: string[] = [];
  let at = 0;
  for (;;) {
    const next = buf.readUInt32LE(at);
    if (cls === C.FileNamesInformation) {
      const n = buf.readUInt32LE(at + 8);
      names.push(buf.subarray(at + 12, at + 12 + n).toString("utf16le"));
    } else {
      const n = buf.readUInt32LE(at + 60);
      const nameAt =
        cls === C.FileIdBothDirectoryInformation ? 104 : cls === C.FileDirectoryInformation ? 64 : 68;
      names.push(buf.subarray(at + nameAt, at + nameAt + n).toString("utf16le"));
    }
    if (next === 0) return names;
    at += next;
  }
}

/** Create contexts chained (§2.2.13.2: each entry 8-aligned, Next the distance to the next). */
export function createContexts(...one: Buffer[]): Buffer {
  const padded = one.map((c) => Buffer.concat([c, Buffer.alloc((8 - (c.length % 8)) % 8)]));
  padded.forEach((c, i) => {
    if (i < padded.length - 1) c.writeUInt32LE(c.length, 0);
  });
  return Buffer.concat(padded);
}

/** One create context (§2.2.13.2) as the only entry of a list. */
export function createContext(name: string, data: Buffer): Buffer {
  const n = Buffer.from(name, "latin1");
  return new SmbWriter()
    .u32(0)
    .u16(16)
    .u16(n.length)
    .u16(0)
    .u16(16 + ((n.length + 7) & ~7))
    .u32(data.length)
    .bytes(n)
    .align(8)
    .bytes(data)
    .finish();
}

/** SMB2_CREATE_REQUEST_LEASE (V1, 32 bytes) or _V2 (52 bytes) context (§2.2.13.2.8, .10). */
export function leaseContext(key: Buffer, state: number, v2 = false, epoch = 0): Buffer {
  const w = new SmbWriter().bytes(key).u32(state).u32(0).u64(0n);
  if (v2) w.zeros(16).u16(epoch).u16(0);
  return createContext("RqLs", w.finish());
}

/** §2.2.24.1 oplock break acknowledgment. */
export const oplockAckBody = (f: FileId, level: number) =>
  fid(new SmbWriter().u16(24).u8(level).u8(0).u32(0), f).finish();

/** §2.2.24.2 lease break acknowledgment. */
export const leaseAckBody = (key: Buffer, state: number) =>
  new SmbWriter().u16(36).u16(0).u32(0).bytes(key).u32(state).u64(0n).finish();

/** The lease context of a CREATE response, if any: {state, flags, epoch}. */
export function leaseOf(r: SmbResponse): { key: Buffer; state: number; flags: number; epoch: number } | null {
  if (r.body.length < 88) return null;
  const off = r.body.readUInt32LE(80);
  const len = r.body.readUInt32LE(84);
  let at = off - 64;
  const end = at + len;
  while (len > 0 && at < end) {
    const next = r.body.readUInt32LE(at);
    const nameOff = r.body.readUInt16LE(at + 4);
    const nameLen = r.body.readUInt16LE(at + 6);
    const dataOff = r.body.readUInt16LE(at + 10);
    const name = r.body.subarray(at + nameOff, at + nameOff + nameLen).toString("latin1");
    if (name === "RqLs") {
      const d = r.body.subarray(at + dataOff);
      return {
        key: Buffer.from(d.subarray(0, 16)),
        state: d.readUInt32LE(16),
        flags: d.readUInt32LE(20),
        epoch: r.body.readUInt32LE(at + 12) >= 52 ? d.readUInt16LE(48) : 0,
      };
    }
    if (next === 0) break;
    at += next;
  }
  return null;
}

/** §2.2.35 CHANGE_NOTIFY request. */
export const changeNotifyBody = (f: FileId, filter: number, outLen = 4096, flags = 0) =>
  fid(new SmbWriter().u16(32).u16(flags).u32(outLen), f).u32(filter).u32(0).finish();

/** [MS-FSCC] §2.4.42 entries of a CHANGE_NOTIFY response: [action, name]. */
export function notifyEntries(r: SmbResponse): [number, string][] {
  const len = r.body.readUInt32LE(4);
  const buf = r.body.subarray(8, 8 + len);
  const out: [number, string][] = [];
  let at = 0;
  while (len > 0) {
    const next = buf.readUInt32LE(at);
    const nameLen = buf.readUInt32LE(at + 8);
    out.push([buf.readUInt32LE(at + 4), buf.subarray(at + 12, at + 12 + nameLen).toString("utf16le")]);
    if (next === 0) break;
    at += next;
  }
  return out;
}

/**
 * CANCEL (§2.2.30), framed; it carries no credit charge. In the async form addressed by AsyncId,
 * or (`asyncId` 0) in the sync form addressed by MessageId, as Samba's client sends it for a
 * request whose interim response it has not seen yet.
 */
export function cancelFrame(asyncId: bigint, messageId = 0n): Buffer {
  const hdr = Buffer.alloc(64);
  hdr.writeUInt32LE(0x424d53fe, 0);
  hdr.writeUInt16LE(64, 4);
  hdr.writeUInt16LE(C.SMB2_CANCEL, 12);
  hdr.writeUInt32LE(asyncId === 0n ? 0 : C.SMB2_FLAGS_ASYNC_COMMAND, 16);
  if (asyncId === 0n) hdr.writeBigUInt64LE(messageId, 24);
  else hdr.writeBigUInt64LE(asyncId, 32);
  const msg = Buffer.concat([hdr, Buffer.from([4, 0, 0, 0])]);
  const t = Buffer.alloc(4);
  t.writeUInt32BE(msg.length);
  return Buffer.concat([t, msg]);
}

/** [MS-DTYP] §2.4.6: a self-relative SD with only a DACL of `aces` ([type, flags, mask, sid]); `null`: a NULL DACL. */
export function daclSd(aces: [number, number, number, Buffer][] | null): Buffer {
  const w = new SmbWriter()
    .u8(1)
    .u8(0)
    .u16(0x8004)
    .u32(0)
    .u32(0)
    .u32(0)
    .u32(aces ? 20 : 0);
  if (!aces) return w.finish();
  const body = new SmbWriter();
  for (const [type, flags, mask, s] of aces)
    body
      .u8(type)
      .u8(flags)
      .u16(8 + s.length)
      .u32(mask)
      .bytes(s);
  const b = body.finish();
  return w
    .u8(2)
    .u8(0)
    .u16(8 + b.length)
    .u16(aces.length)
    .u16(0)
    .bytes(b)
    .finish();
}
