/**
 * Sparse-file FSCTLs ([MS-FSCC] §2.3.64 FSCTL_SET_SPARSE, §2.3.67 FSCTL_SET_ZERO_DATA,
 * §2.3.51 FSCTL_QUERY_ALLOCATED_RANGES; semantics [MS-FSA] §2.1.5.10.35, §2.1.5.10.39,
 * §2.1.5.10.22). The sparse flag is FILE_ATTRIBUTE_SPARSE_FILE kept in the file's DOS attributes
 * (metadata). Zeroing writes zeros through the file service: the payload layer has no hole
 * punch (the zeros are stored), and reads of a never-written range already return zeros. Nor
 * does the payload say which ranges it stores, so QUERY_ALLOCATED_RANGES reports a sparse file's
 * non-zero allocation units (see nonZeroRanges) and any other file as wholly allocated. The
 * reads, writes and attribute change go through the open's granted access, a stored ACL's grant
 * included (calls.ts grantedCall), as READ and WRITE do.
 */
import { ALLOCATION_UNIT_BYTES } from "../attrs.ts";
import { fileCall, grantedCall } from "../calls.ts";
import {
  FILE_APPEND_DATA,
  FILE_ATTRIBUTE_SPARSE_FILE,
  FILE_READ_DATA,
  FILE_WRITE_ATTRIBUTES,
  FILE_WRITE_DATA,
} from "../constants.ts";
import {
  STATUS_ACCESS_DENIED,
  STATUS_BUFFER_OVERFLOW,
  STATUS_BUFFER_TOO_SMALL,
  STATUS_FILE_LOCK_CONFLICT,
  STATUS_INVALID_PARAMETER,
} from "../ntstatus.ts";
import { breakReadCaching } from "../oplocks.ts";
import type { Open } from "../state.ts";
import { SmbError, withStatus } from "../status.ts";
import { SmbWriter } from "../wire.ts";
import type { FsctlCall, FsctlResult } from "./fsctl.ts";

/** FILE_ZERO_DATA_INFORMATION and FILE_ALLOCATED_RANGE_BUFFER: two signed 64-bit fields. */
const RANGE_BYTES = 16;
/** Zeros are written in pieces of this size so a large range does not take one large buffer. */
const ZERO_CHUNK_BYTES = 1 << 20;
/** A sparse file's data is read this much at a time to find its allocated ranges. */
const QAR_READ_BYTES = 1 << 20;
/** How far one QUERY_ALLOCATED_RANGES reads; the rest of the range is reported allocated. */
const QAR_SCAN_MAX_BYTES = 64n << 20n;

type OnOpen = FsctlCall & { open: Open };

function writable(open: Open, mask: number): void {
  if (!open.tree.writable) throw new SmbError(open.tree.readOnlyStatus);
  if (!(open.grantedAccess & mask)) throw new SmbError(STATUS_ACCESS_DENIED);
}

/** Two signed 64-bit values; a short buffer or a negative value is INVALID_PARAMETER. */
function readRange(input: Buffer, what: string): [bigint, bigint] {
  if (input.length < RANGE_BYTES) throw new SmbError(STATUS_INVALID_PARAMETER, what);
  const a = input.readBigInt64LE(0);
  const b = input.readBigInt64LE(8);
  if (a < 0n || b < 0n) throw new SmbError(STATUS_INVALID_PARAMETER, what);
  return [a, b];
}

/**
 * FSCTL_SET_SPARSE: FILE_SET_SPARSE_BUFFER's SetSparse (any non-zero byte) or, without a
 * buffer, TRUE. A directory cannot be sparse (INVALID_PARAMETER, as Windows answers).
 */
export async function setSparse({ req, open, input }: OnOpen): Promise<FsctlResult> {
  if (open.isDir) throw new SmbError(STATUS_INVALID_PARAMETER, "directory");
  writable(open, FILE_WRITE_DATA | FILE_WRITE_ATTRIBUTES | FILE_APPEND_DATA);
  const sparse = input.length === 0 || input[0] !== 0;
  const files = req.server.ctx.files;
  const dos = (await files.getattr(fileCall(open))).dosAttributes;
  const next = sparse ? dos | FILE_ATTRIBUTE_SPARSE_FILE : dos & ~FILE_ATTRIBUTE_SPARSE_FILE;
  if (next !== dos) await files.setattr(grantedCall(open), { attrs: { dosAttributes: next >>> 0 } });
  return { output: Buffer.alloc(0) };
}

/**
 * FSCTL_SET_ZERO_DATA: zeros [FileOffset, BeyondFinalZero) clipped to the end of file (the file
 * never grows); FileOffset past BeyondFinalZero is INVALID_PARAMETER. A byte-range lock of
 * another open over the range is FILE_LOCK_CONFLICT, as a WRITE would be.
 */
export async function setZeroData({ req, open, input }: OnOpen): Promise<FsctlResult> {
  const [from, beyond] = readRange(input, "FILE_ZERO_DATA_INFORMATION");
  if (from > beyond) throw new SmbError(STATUS_INVALID_PARAMETER, "FileOffset past BeyondFinalZero");
  if (open.isDir) throw new SmbError(STATUS_INVALID_PARAMETER, "directory");
  writable(open, FILE_WRITE_DATA);
  const files = req.server.ctx.files;
  const size = BigInt((await files.getattr(fileCall(open))).size);
  const end = beyond < size ? beyond : size;
  for (let at = from; at < end; ) {
    const n = Number(end - at < BigInt(ZERO_CHUNK_BYTES) ? end - at : BigInt(ZERO_CHUNK_BYTES));
    await withStatus({ EAGAIN: STATUS_FILE_LOCK_CONFLICT }, () =>
      files.write(grantedCall(open), {
        offset: at,
        data: Buffer.alloc(n),
        stability: "unstable",
        lock: { owner: open.lockOwner, windows: true },
        beforeChange: () => breakReadCaching(req.server, open),
      }),
    );
    open.written = true;
    at += BigInt(n);
  }
  return { output: Buffer.alloc(0) };
}

/**
 * The allocated ranges of [start, end) of a sparse file: the allocation units holding a non-zero
 * byte, merged. The payload does not say which ranges it stores, but a hole reads as zeros and
 * zeroed data may be reported as a hole ([MS-FSCC] §2.3.51: the ranges "may contain nonzero
 * data"), so the data itself is the map. Past QAR_SCAN_MAX_BYTES the rest counts as allocated.
 */
async function nonZeroRanges(call: OnOpen, start: bigint, end: bigint): Promise<Array<[bigint, bigint]>> {
  const files = call.req.server.ctx.files;
  const unit = BigInt(ALLOCATION_UNIT_BYTES);
  const scanEnd = end - start > QAR_SCAN_MAX_BYTES ? start + QAR_SCAN_MAX_BYTES : end;
  const ranges: Array<[bigint, bigint]> = [];
  const add = (from: bigint, to: bigint) => {
    const last = ranges.at(-1);
    if (last && last[1] === from) last[1] = to;
    else ranges.push([from, to]);
  };
  for (let at = start - (start % unit); at < scanEnd; at += BigInt(QAR_READ_BYTES)) {
    const got = await files.read(grantedCall(call.open), { offset: Number(at), count: QAR_READ_BYTES });
    const data = Buffer.concat(got.parts);
    for (let i = 0; i < data.length; i += ALLOCATION_UNIT_BYTES) {
      if (!data.subarray(i, i + ALLOCATION_UNIT_BYTES).some((b) => b !== 0)) continue;
      const from = at + BigInt(i) < start ? start : at + BigInt(i);
      const to = at + BigInt(i) + unit > scanEnd ? scanEnd : at + BigInt(i) + unit;
      if (from < to) add(from, to);
    }
  }
  if (scanEnd < end) add(scanEnd, end);
  return ranges;
}

/**
 * FSCTL_QUERY_ALLOCATED_RANGES ([MS-FSA] §2.1.5.10.22): the queried range clipped to the end of
 * file; a file that is not sparse is wholly allocated, a sparse one as nonZeroRanges finds. As
 * many FILE_ALLOCATED_RANGE_BUFFERs as MaxOutputResponse holds: BUFFER_OVERFLOW when some are
 * left out, BUFFER_TOO_SMALL when not one fits.
 */
export async function queryAllocatedRanges(call: OnOpen): Promise<FsctlResult> {
  const { req, open, input, maxOutput } = call;
  const [offset, length] = readRange(input, "FILE_ALLOCATED_RANGE_BUFFER");
  if (offset + length > 0x7fffffffffffffffn) throw new SmbError(STATUS_INVALID_PARAMETER, "Length");
  if (!(open.grantedAccess & FILE_READ_DATA)) throw new SmbError(STATUS_ACCESS_DENIED);
  const attr = await req.server.ctx.files.getattr(fileCall(open));
  const size = BigInt(attr.size);
  const end = offset + length < size ? offset + length : size;
  if (open.isDir || offset >= end) return { output: Buffer.alloc(0) };
  const ranges =
    attr.dosAttributes & FILE_ATTRIBUTE_SPARSE_FILE
      ? await nonZeroRanges(call, offset, end)
      : [[offset, end] as [bigint, bigint]];
  const fit = Math.min(ranges.length, Math.floor(maxOutput / RANGE_BYTES));
  if (fit === 0 && ranges.length > 0) throw new SmbError(STATUS_BUFFER_TOO_SMALL, "MaxOutputResponse");
  const w = new SmbWriter(fit * RANGE_BYTES);
  for (const [from, to] of ranges.slice(0, fit)) w.u64(from).u64(to - from);
  return { output: w.finish(), ...(fit < ranges.length ? { status: STATUS_BUFFER_OVERFLOW } : {}) };
}
