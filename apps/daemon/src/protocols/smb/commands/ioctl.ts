/**
 * SMB2 IOCTL ([MS-SMB2] §2.2.31, §2.2.32, §3.3.5.15), a table of FSCTLs: connection-level
 * FSCTL_VALIDATE_NEGOTIATE_INFO (§3.3.5.15.12) and FSCTL_QUERY_NETWORK_INTERFACE_INFO
 * (§3.3.5.15.11); on an open, server-side copy (§3.3.5.15.6, ioctl-copychunk.ts) and
 * FSCTL_CREATE_OR_GET_OBJECT_ID, compression (none: the file system does not compress),
 * FSCTL_LMR_REQUEST_RESILIENCY (§3.3.5.15.9, durable.ts) and the sparse-file controls
 * (ioctl-sparse.ts). Every other control is NOT_SUPPORTED.
 */

import { allocationSize } from "../attrs.ts";
import { fileCall } from "../calls.ts";
import {
  FSCTL_CREATE_OR_GET_OBJECT_ID,
  FSCTL_GET_COMPRESSION,
  FSCTL_LMR_REQUEST_RESILIENCY,
  FSCTL_QUERY_ALLOCATED_RANGES,
  FSCTL_QUERY_NETWORK_INTERFACE_INFO,
  FSCTL_SET_COMPRESSION,
  FSCTL_SET_SPARSE,
  FSCTL_SET_ZERO_DATA,
  FSCTL_SRV_COPYCHUNK,
  FSCTL_SRV_COPYCHUNK_WRITE,
  FSCTL_SRV_REQUEST_RESUME_KEY,
  FSCTL_VALIDATE_NEGOTIATE_INFO,
  SMB2_0_IOCTL_IS_FSCTL,
  SMB2_DIALECT_202,
  SMB2_HEADER_SIZE,
  SMB2_NEGOTIATE_SIGNING_ENABLED,
  SMB2_NEGOTIATE_SIGNING_REQUIRED,
} from "../constants.ts";
import { grantResiliency, RESILIENCY_MAX_TIMEOUT_MS } from "../durable.ts";
import {
  STATUS_ACCESS_DENIED,
  STATUS_BUFFER_TOO_SMALL,
  STATUS_INSUFFICIENT_RESOURCES,
  STATUS_INVALID_DEVICE_REQUEST,
  STATUS_INVALID_PARAMETER,
  STATUS_NOT_SUPPORTED,
} from "../ntstatus.ts";
import { type CommandSpec, type Reply, readFileId, type SmbRequest } from "../request.ts";
import type { Open } from "../state.ts";
import { SmbError } from "../status.ts";
import { SmbReader, SmbWriter, slice } from "../wire.ts";
import type { FsctlCall, FsctlResult } from "./fsctl.ts";
import { copyChunk, requestResumeKey } from "./ioctl-copychunk.ts";
import { queryAllocatedRanges, setSparse, setZeroData } from "./ioctl-sparse.ts";
import { serverCapabilities } from "./negotiate.ts";

export const MAX_IOCTL_INPUT_BYTES = 64 * 1024;
const RESPONSE_FIXED = 48;
/** §2.2.31 FileId 0xFFFFFFFFFFFFFFFF (each half): the request is on no file. */
const NO_FILE = 0xffffffffffffffffn;

/** An FSCTL on the open its FileId names (FILE_CLOSED when none), or one that ignores the FileId. */
type Fsctl =
  | { onOpen: true; run(call: FsctlCall & { open: Open }): Promise<FsctlResult> | FsctlResult }
  | { onOpen: false; run(call: FsctlCall): Promise<FsctlResult> | FsctlResult };

function validateNegotiate({ req, input }: FsctlCall): FsctlResult {
  const conn = req.conn;
  const r = new SmbReader(input);
  const capabilities = r.u32();
  const guid = r.bytes(16);
  const securityMode = r.u16();
  const count = r.u16();
  const dialects: number[] = [];
  for (let i = 0; i < count; i++) dialects.push(r.u16());
  // §3.3.5.15.12: any mismatch means a tampered NEGOTIATE; the connection must be dropped.
  const same =
    capabilities === conn.clientCapabilities &&
    guid.equals(conn.clientGuid) &&
    securityMode === conn.clientSecurityMode &&
    dialects.length === conn.clientDialects.length &&
    dialects.every((d, i) => d === conn.clientDialects[i]);
  if (!same) {
    setImmediate(() => conn.close());
    throw new SmbError(STATUS_ACCESS_DENIED, "VALIDATE_NEGOTIATE mismatch");
  }
  const cfg = req.server.config;
  const output = new SmbWriter()
    .u32(serverCapabilities(conn.dialect, conn.cipher, conn.clientCapabilities))
    .bytes(cfg.serverGuid)
    .u16(SMB2_NEGOTIATE_SIGNING_ENABLED | (cfg.signingRequired ? SMB2_NEGOTIATE_SIGNING_REQUIRED : 0))
    .u16(conn.dialect)
    .finish();
  return { output };
}

/** One NETWORK_INTERFACE_INFO for the loopback IPv4 address the client reached (§2.2.32.5). */
function networkInterfaces({ req }: FsctlCall): FsctlResult {
  const addr = req.conn.localAddress.replace(/^::ffff:/, "");
  const ipv4 = addr.split(".").map((x) => Number(x) & 0xff);
  const w = new SmbWriter(152);
  w.u32(0).u32(1).u32(0).u32(0).u64(10_000_000_000n);
  // SOCKADDR_STORAGE: Family AF_INET (0x2), Port 0, IPv4Address, Reserved, padded to 128.
  w.u16(0x2)
    .u16(0)
    .bytes(Buffer.from(ipv4.length === 4 ? ipv4 : [127, 0, 0, 1]))
    .zeros(8)
    .zeros(112);
  return { output: w.finish() };
}

/**
 * [MS-FSCC] §2.3.3 FILE_OBJECTID_BUFFER: ObjectId is the file id (stable for the file's life),
 * BirthVolumeId the server GUID, BirthObjectId the ObjectId, DomainId zero.
 */
function objectId({ req, open }: FsctlCall & { open: Open }): FsctlResult {
  const id = Buffer.alloc(16);
  id.writeBigUInt64LE(open.fileid, 0);
  const output = Buffer.concat([id, req.server.config.serverGuid, id, Buffer.alloc(16)]);
  return { output };
}

/** [MS-FSCC] §2.3.67 COMPRESSION_FORMAT_NONE: the only format this server has. */
const COMPRESSION_FORMAT_NONE = 0;

/** FSCTL_GET_COMPRESSION: always COMPRESSION_FORMAT_NONE. */
function getCompression(): FsctlResult {
  return { output: Buffer.alloc(2, COMPRESSION_FORMAT_NONE) };
}

/** FSCTL_SET_COMPRESSION: NONE succeeds (nothing to undo), any format NOT_SUPPORTED, as ReFS/Samba. */
function setCompression({ input }: FsctlCall): FsctlResult {
  if (input.length < 2) throw new SmbError(STATUS_INVALID_PARAMETER, "CompressionState");
  if (input.readUInt16LE(0) !== COMPRESSION_FORMAT_NONE)
    throw new SmbError(STATUS_NOT_SUPPORTED, "compression");
  return { output: Buffer.alloc(0) };
}

/**
 * FSCTL_LMR_REQUEST_RESILIENCY: NETWORK_RESILIENCY_REQUEST (§2.2.31.3) Timeout in ms and
 * Reserved; no output. 2.0.2 has no resiliency (INVALID_DEVICE_REQUEST, as Windows answers).
 */
async function requestResiliency({ req, open, input }: FsctlCall & { open: Open }): Promise<FsctlResult> {
  if (req.conn.dialect === SMB2_DIALECT_202) throw new SmbError(STATUS_INVALID_DEVICE_REQUEST, "2.0.2");
  if (input.length < 8) throw new SmbError(STATUS_INVALID_PARAMETER, "NETWORK_RESILIENCY_REQUEST");
  const timeoutMs = input.readUInt32LE(0);
  if (timeoutMs > RESILIENCY_MAX_TIMEOUT_MS) throw new SmbError(STATUS_INVALID_PARAMETER, "Timeout");
  // A directory is not kept across a disconnect (durable.ts: that would need persistent handles).
  if (open.isDir) throw new SmbError(STATUS_NOT_SUPPORTED, "resiliency of a directory");
  const allocation = allocationSize(await req.server.ctx.files.getattr(fileCall(open)));
  if (!grantResiliency(req.server, open, timeoutMs, allocation)) {
    throw new SmbError(STATUS_INSUFFICIENT_RESOURCES, "durable opens");
  }
  return { output: Buffer.alloc(0) };
}

const FSCTLS: Record<number, Fsctl> = {
  [FSCTL_VALIDATE_NEGOTIATE_INFO]: { onOpen: false, run: validateNegotiate },
  [FSCTL_QUERY_NETWORK_INTERFACE_INFO]: { onOpen: false, run: networkInterfaces },
  [FSCTL_CREATE_OR_GET_OBJECT_ID]: { onOpen: true, run: objectId },
  [FSCTL_GET_COMPRESSION]: { onOpen: true, run: getCompression },
  [FSCTL_SET_COMPRESSION]: { onOpen: true, run: setCompression },
  [FSCTL_SRV_REQUEST_RESUME_KEY]: { onOpen: true, run: requestResumeKey },
  [FSCTL_SRV_COPYCHUNK]: { onOpen: true, run: copyChunk },
  [FSCTL_SRV_COPYCHUNK_WRITE]: { onOpen: true, run: copyChunk },
  [FSCTL_LMR_REQUEST_RESILIENCY]: { onOpen: true, run: requestResiliency },
  [FSCTL_SET_SPARSE]: { onOpen: true, run: setSparse },
  [FSCTL_SET_ZERO_DATA]: { onOpen: true, run: setZeroData },
  [FSCTL_QUERY_ALLOCATED_RANGES]: { onOpen: true, run: queryAllocatedRanges },
};

export async function ioctl(req: SmbRequest): Promise<Reply> {
  const r = req.reader();
  r.u16();
  const ctlCode = r.u32();
  const fileId = readFileId(r);
  const inOff = r.u32();
  const inCount = r.u32();
  r.u32(); // MaxInputResponse
  r.u32(); // OutputOffset
  r.u32(); // OutputCount
  const maxOutput = r.u32();
  const flags = r.u32();
  if (!(flags & SMB2_0_IOCTL_IS_FSCTL)) throw new SmbError(STATUS_NOT_SUPPORTED);
  const fsctl = FSCTLS[ctlCode];
  if (!fsctl) throw new SmbError(STATUS_NOT_SUPPORTED, `FSCTL 0x${ctlCode.toString(16)}`);
  // §3.3.5.15: a control that takes no file handle needs FileId all ones (as Samba checks it:
  // smbtorture smb2.ioctl.bug14788), before anything else about the request.
  if (!fsctl.onOpen && (fileId.persistent !== NO_FILE || fileId.volatile !== NO_FILE))
    throw new SmbError(STATUS_INVALID_PARAMETER, "FileId of a control on no file");
  const input = slice(req.msg, inOff, inCount, MAX_IOCTL_INPUT_BYTES);
  const call: FsctlCall = { req, ctlCode, input, maxOutput };
  // An FSCTL on an open resolves its FileId (a related all-ones one included, §3.3.5.2.7.2).
  const { output, status } = fsctl.onOpen
    ? await fsctl.run({ ...call, open: req.open(fileId) })
    : await fsctl.run(call);
  if (output.length > maxOutput) {
    throw new SmbError(maxOutput === 0 ? STATUS_INVALID_PARAMETER : STATUS_BUFFER_TOO_SMALL);
  }
  const w = new SmbWriter(64 + output.length);
  const outOff = SMB2_HEADER_SIZE + RESPONSE_FIXED;
  w.u16(49).u16(0).u32(ctlCode).u64(fileId.persistent).u64(fileId.volatile);
  w.u32(outOff).u32(0).u32(outOff).u32(output.length).u32(0).u32(0).bytes(output);
  return { status, body: w.finish() };
}

export const IOCTL: CommandSpec = {
  name: "IOCTL",
  structureSize: 57,
  needsSession: true,
  needsTree: true,
  handle: ioctl,
};
