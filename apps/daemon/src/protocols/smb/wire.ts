/**
 * Little-endian cursor codec for SMB2 structures. Handlers never do offset arithmetic on raw
 * buffers: they read and write through these, and every length is checked before use.
 */

import { STATUS_INVALID_PARAMETER } from "./ntstatus.ts";
import { SmbError } from "./status.ts";

export class SmbReader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    offset = 0,
  ) {
    this.pos = offset;
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) {
      throw new SmbError(STATUS_INVALID_PARAMETER, `short buffer: need ${n} at ${this.pos}`);
    }
  }
  get remaining(): number {
    return this.buf.length - this.pos;
  }
  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.pos++);
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
}

/**
 * A byte range `[offset, offset+length)` of `buf`, checked against its bounds and `max`.
 * SMB2 bodies address their variable parts by offset from the start of the header.
 */
export function slice(buf: Buffer, offset: number, length: number, max: number): Buffer {
  if (length === 0) return Buffer.alloc(0);
  if (length > max || offset < 0 || offset + length > buf.length) {
    throw new SmbError(STATUS_INVALID_PARAMETER, `bad range ${offset}+${length} of ${buf.length}`);
  }
  return buf.subarray(offset, offset + length);
}

export class SmbWriter {
  private buf: Buffer;
  private len = 0;
  constructor(initial = 256) {
    this.buf = Buffer.alloc(initial);
  }
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  get length(): number {
    return this.len;
  }
  u8(v: number): this {
    this.ensure(1);
    this.buf.writeUInt8(v & 0xff, this.len++);
    return this;
  }
  u16(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16LE(v & 0xffff, this.len);
    this.len += 2;
    return this;
  }
  u32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.len);
    this.len += 4;
    return this;
  }
  u64(v: bigint): this {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, v), this.len);
    this.len += 8;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }
  zeros(n: number): this {
    this.ensure(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
    return this;
  }
  /** Pads with zeros to a multiple of `n` (relative to the writer's start). */
  align(n: number): this {
    const pad = (n - (this.len % n)) % n;
    return this.zeros(pad);
  }
  patchU16(at: number, v: number): void {
    this.buf.writeUInt16LE(v & 0xffff, at);
  }
  patchU32(at: number, v: number): void {
    this.buf.writeUInt32LE(v >>> 0, at);
  }
  finish(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

export function utf16(s: string): Buffer {
  return Buffer.from(s, "utf16le");
}
