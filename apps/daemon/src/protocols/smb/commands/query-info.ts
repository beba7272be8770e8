/**
 * SMB2 QUERY_INFO ([MS-SMB2] §2.2.37, §2.2.38, §3.3.5.20): file, file-system and security
 * information. Quota is not supported.
 */
import { createHash } from "node:crypto";
import { streamAttr } from "../../../files/streams.ts";
import { allocationSize, allocationWith, endOfFile } from "../attrs.ts";
import { fileCall, treeCall } from "../calls.ts";
import * as C from "../constants.ts";
import { decodeGetEaList, eaSize, encodeFullEaList, fittingEas } from "../info/ea.ts";
import { FILE_INFO_CLASSES, type StreamEntry } from "../info/file-info.ts";
import { FS_INFO_CLASSES } from "../info/fs-info.ts";
import { securityReply } from "../info/security.ts";
import {
  STATUS_ACCESS_DENIED,
  STATUS_BUFFER_OVERFLOW,
  STATUS_BUFFER_TOO_SMALL,
  STATUS_INFO_LENGTH_MISMATCH,
  STATUS_INVALID_INFO_CLASS,
  STATUS_INVALID_PARAMETER,
  STATUS_NO_EAS_ON_FILE,
  STATUS_NOT_SUPPORTED,
} from "../ntstatus.ts";
import { type CommandSpec, type Reply, readFileId, type SmbRequest } from "../request.ts";
import type { Open } from "../state.ts";
import { SmbError } from "../status.ts";
import { SmbWriter, slice } from "../wire.ts";
import { reported } from "../write-time.ts";

/** Never build more than this for one answer, whatever OutputBufferLength says. */
export const MAX_QUERY_OUTPUT_BYTES = 64 * 1024;

function reply(data: Buffer, outLen: number, fixed: number, variable: boolean): Reply {
  if (outLen < Math.min(fixed, data.length)) throw new SmbError(STATUS_INFO_LENGTH_MISMATCH);
  let status = 0;
  let out = data;
  if (data.length > outLen) {
    if (!variable) throw new SmbError(STATUS_INFO_LENGTH_MISMATCH);
    status = STATUS_BUFFER_OVERFLOW;
    out = data.subarray(0, outLen);
  }
  const w = new SmbWriter(8 + out.length);
  w.u16(9)
    .u16(C.SMB2_HEADER_SIZE + 8)
    .u32(out.length)
    .bytes(out);
  return { status, body: w.finish() };
}

/** The file's data streams for FileStreamInformation: its own (not for a directory), then the named ones. */
async function streamEntries(req: SmbRequest, open: Open): Promise<StreamEntry[]> {
  const f = treeCall(open.tree, open.handle);
  const files = req.server.ctx.files;
  const [attr, named] = await Promise.all([files.getattr(f), files.streams(f)]);
  const out: StreamEntry[] = [];
  if (attr.type !== "dir")
    out.push({ name: "::$DATA", size: endOfFile(attr), allocated: allocationSize(attr) });
  for (const s of named) {
    const a = streamAttr(attr, s.size);
    out.push({ name: `:${s.name}:$DATA`, size: endOfFile(a), allocated: allocationSize(a) });
  }
  return out;
}

/**
 * [MS-FSA] §2.1.5.11.11 FileFullEaInformation: the EAs the input list names (a missing one with
 * an empty value), else all of them; as many whole entries as fit (BUFFER_OVERFLOW when not
 * all do, BUFFER_TOO_SMALL when none does).
 */
async function fullEaInfo(req: SmbRequest, open: Open, outLen: number, input: Buffer): Promise<Reply> {
  if (!(open.grantedAccess & C.FILE_READ_EA)) throw new SmbError(STATUS_ACCESS_DENIED);
  const held = await req.server.ctx.files.eas(treeCall(open.tree, open.handle));
  const wanted = decodeGetEaList(input);
  const list =
    wanted.length === 0
      ? held
      : wanted.map(
          (n) =>
            held.find((e) => e.name.toLowerCase() === n.toLowerCase()) ?? { name: n, value: Buffer.alloc(0) },
        );
  if (list.length === 0) throw new SmbError(STATUS_NO_EAS_ON_FILE);
  const fit = fittingEas(list, outLen);
  if (fit === 0) throw new SmbError(STATUS_BUFFER_TOO_SMALL);
  const r = reply(encodeFullEaList(fit < list.length ? list.slice(0, fit) : list), outLen, 0, true);
  return fit < list.length ? { ...r, status: STATUS_BUFFER_OVERFLOW } : r;
}

async function fileInfo(
  req: SmbRequest,
  open: Open,
  cls: number,
  outLen: number,
  input: Buffer,
): Promise<Reply> {
  const spec = FILE_INFO_CLASSES[cls];
  if (cls === C.FileFullEaInformation) return fullEaInfo(req, open, outLen, input);
  if (!spec) throw new SmbError(STATUS_INVALID_INFO_CLASS);
  if (spec.access && !(open.grantedAccess & spec.access)) throw new SmbError(STATUS_ACCESS_DENIED);
  // [MS-SMB2] §3.3.5.20.1: FileNormalizedNameInformation exists from SMB 3.1.1 on.
  if (cls === C.FileNormalizedNameInformation && req.conn.dialect < C.SMB2_DIALECT_311)
    throw new SmbError(STATUS_NOT_SUPPORTED);
  const attr = reported(req.server, open.fileKey, await req.server.ctx.files.getattr(fileCall(open)));
  const file = req.server.files.get(open.fileKey);
  const deletePending = file?.deletePending === true;
  const allocation = allocationWith(attr, file?.allocation ?? 0n);
  const streams = cls === C.FileStreamInformation ? await streamEntries(req, open) : undefined;
  const withEas = cls === C.FileEaInformation || cls === C.FileAllInformation;
  const eas = withEas ? eaSize(await req.server.ctx.files.eas(treeCall(open.tree, open.handle))) : 0;
  const data = spec
    .encode(new SmbWriter(128), { open, attr, deletePending, allocation, streams, eaSize: eas })
    .finish();
  const variable = [
    C.FileAllInformation,
    C.FileNameInformation,
    C.FileStreamInformation,
    C.FileNormalizedNameInformation,
    C.FileAlternateNameInformation,
  ].includes(cls);
  return reply(data, outLen, spec.fixed, variable);
}

async function fsInfo(req: SmbRequest, open: Open, cls: number, outLen: number): Promise<Reply> {
  const spec = FS_INFO_CLASSES[cls];
  if (!spec) throw new SmbError(STATUS_INVALID_INFO_CLASS);
  // [MS-FSA] §2.1.5.13: a buffer below the class's minimum fails whatever the answer's length.
  // FileFsVolumeInformation's is BlockAlign(FieldOffset(VolumeLabel), 8) = 24 (§2.1.5.13.1) while
  // its answer is 18 bytes + the label: 20 for a one-character share, and 20..23 are still refused.
  if (outLen < spec.fixed) throw new SmbError(STATUS_INFO_LENGTH_MISMATCH);
  const share = open.tree.share;
  const stat = await req.server.ctx.files.fsCounts(treeCall(open.tree, open.tree.root));
  const serial = createHash("sha256").update(share.name).digest().readUInt32LE(0);
  const label = share.name.replace(/^\/+/, "");
  const data = spec
    .encode(new SmbWriter(), { stat, label, serial, created: req.server.config.startTime })
    .finish();
  return reply(
    data,
    outLen,
    spec.fixed,
    cls === C.FileFsVolumeInformation || cls === C.FileFsAttributeInformation,
  );
}

async function securityInfo(req: SmbRequest, open: Open, additional: number, outLen: number): Promise<Reply> {
  if (!(open.grantedAccess & C.READ_CONTROL)) throw new SmbError(STATUS_ACCESS_DENIED);
  if (additional & C.SACL_SECURITY_INFORMATION) throw new SmbError(STATUS_ACCESS_DENIED);
  const sd = securityReply(await req.server.ctx.files.security(fileCall(open)), additional);
  if (sd.length > outLen) {
    // §3.3.5.20.3: tell the client how much it needs.
    const w = new SmbWriter();
    w.u16(9).u8(0).u8(0).u32(4).u32(sd.length);
    return { status: STATUS_BUFFER_TOO_SMALL, body: w.finish() };
  }
  return reply(sd, outLen, 0, false);
}

export async function queryInfo(req: SmbRequest): Promise<Reply> {
  const r = req.reader();
  const infoType = r.u8();
  const cls = r.u8();
  const outLen = Math.min(r.u32(), MAX_QUERY_OUTPUT_BYTES);
  const inputOffset = r.u16();
  r.u16();
  const inputLength = r.u32();
  const additional = r.u32();
  r.u32(); // Flags
  const open = req.open(readFileId(r));
  switch (infoType) {
    case C.SMB2_0_INFO_FILE:
      return fileInfo(
        req,
        open,
        cls,
        outLen,
        slice(req.msg, inputOffset, inputLength, MAX_QUERY_OUTPUT_BYTES),
      );
    case C.SMB2_0_INFO_FILESYSTEM:
      return fsInfo(req, open, cls, outLen);
    case C.SMB2_0_INFO_SECURITY:
      return securityInfo(req, open, additional, outLen);
    case C.SMB2_0_INFO_QUOTA:
      throw new SmbError(STATUS_NOT_SUPPORTED);
    default:
      throw new SmbError(STATUS_INVALID_PARAMETER, "InfoType");
  }
}

export const QUERY_INFO: CommandSpec = {
  name: "QUERY_INFO",
  structureSize: 41,
  needsSession: true,
  needsTree: true,
  handle: queryInfo,
};
