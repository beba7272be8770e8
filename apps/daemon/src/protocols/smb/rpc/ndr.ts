/**
 * NDR transfer syntax ([C706] §14, little-endian, 32-bit) for the few DCE/RPC calls the IPC$ pipes
 * answer: aligned integers, unique pointers and conformant varying UTF-16 strings. Alignment is
 * relative to the start of the stub, which is where every reader and writer begins.
 */
import { SmbReader, SmbWriter } from "../wire.ts";

/** A string longer than this (in UTF-16 code units, NUL included) is refused. */
export const MAX_NDR_STRING_UNITS = 4096;

/** The first referent id a writer hands out; Windows and Samba start at 0x00020000. */
const FIRST_REFERENT = 0x00020000;

/** Malformed stub data; the pipe answers it with an RPC fault, never an SMB error. */
export class NdrError extends Error {
  override name = "NdrError";
}

export class NdrReader {
  private readonly r: SmbReader;
  constructor(stub: Buffer) {
    this.r = new SmbReader(stub);
  }
  private align(n: number): void {
    const pad = (n - (this.r.pos % n)) % n;
    if (pad > this.r.remaining) throw new NdrError("short stub");
    this.r.pos += pad;
  }
  u16(): number {
    this.align(2);
    if (this.r.remaining < 2) throw new NdrError("short stub");
    return this.r.u16();
  }
  u32(): number {
    this.align(4);
    if (this.r.remaining < 4) throw new NdrError("short stub");
    return this.r.u32();
  }
  /** A unique or full pointer's referent id: whether the pointee follows. */
  pointer(): boolean {
    return this.u32() !== 0;
  }
  /** [string] wchar_t*: MaximumCount, Offset, ActualCount, then the units (NUL dropped). */
  string(): string {
    const max = this.u32();
    const offset = this.u32();
    const actual = this.u32();
    if (max > MAX_NDR_STRING_UNITS || offset !== 0 || actual > max) throw new NdrError("string bounds");
    if (this.r.remaining < 2 * actual) throw new NdrError("short string");
    const s = this.r.bytes(2 * actual).toString("utf16le");
    return s.endsWith("\0") ? s.slice(0, -1) : s;
  }
  /** [in, string, unique] wchar_t*: null or the string. */
  uniqueString(): string | null {
    return this.pointer() ? this.string() : null;
  }
}

export class NdrWriter {
  private readonly w = new SmbWriter(512);
  private nextReferent = FIRST_REFERENT;

  u32(v: number): this {
    this.w.align(4).u32(v);
    return this;
  }
  /** A non-null unique pointer's referent id (the pointee is written later, deferred). */
  pointer(present = true): this {
    if (!present) return this.u32(0);
    const id = this.nextReferent;
    this.nextReferent += 4;
    return this.u32(id);
  }
  /** A conformant varying string with its terminating NUL ([string] wchar_t*). */
  string(s: string): this {
    const units = Buffer.from(`${s}\0`, "utf16le");
    const count = units.length / 2;
    this.u32(count).u32(0).u32(count);
    this.w.bytes(units);
    return this;
  }
  finish(): Buffer {
    return this.w.align(4).finish();
  }
}
