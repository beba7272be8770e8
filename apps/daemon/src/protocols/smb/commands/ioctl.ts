/**
 * SMB2 IOCTL ([MS-SMB2] §2.2.31, §2.2.32, §3.3.5.15): FSCTL_VALIDATE_NEGOTIATE_INFO (§3.3.5.15.12)
 * and FSCTL_QUERY_NETWORK_INTERFACE_INFO (§3.3.5.15.11); every other control is NOT_SUPPORTED.
 */
import {
  FSCTL_QUERY_NETWORK_INTERFACE_INFO,
  FSCTL_VALIDATE_NEGOTIATE_INFO,
  SMB2_0_IOCTL_IS_FSCTL,
  SMB2_HEADER_SIZE,
  SMB2_NEGOTIATE_SIGNING_ENABLED,
  SMB2_NEGOTIATE_SIGNING_REQUIRED,
} from "../constants.ts";
import {
  STATUS_ACCESS_DENIED,
  STATUS_BUFFER_TOO_SMALL,
  STATUS_INVALID_PARAMETER,
  STATUS_NOT_SUPPORTED,
} from "../ntstatus.ts";
import type { CommandSpec, Reply, SmbRequest } from "../request.ts";
import { SmbError } from "../status.ts";
import { SmbReader, SmbWriter, slice } from "../wire.ts";
import { serverCapabilities } from "./negotiate.ts";

export const MAX_IOCTL_INPUT_BYTES = 64 * 1024;
const RESPONSE_FIXED = 48;

function validateNegotiate(req: SmbRequest, input: Buffer): Buffer {
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
  return new SmbWriter()
    .u32(serverCapabilities(conn.dialect, conn.cipher))
    .bytes(cfg.serverGuid)
    .u16(SMB2_NEGOTIATE_SIGNING_ENABLED | (cfg.signingRequired ? SMB2_NEGOTIATE_SIGNING_REQUIRED : 0))
    .u16(conn.dialect)
    .finish();
}

/** One NETWORK_INTERFACE_INFO for the loopback IPv4 address the client reached (§2.2.32.5). */
function networkInterfaces(req: SmbRequest): Buffer {
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
  return w.finish();
}

export async function ioctl(req: SmbRequest): Promise<Reply> {
  const r = req.reader();
  r.u16();
  const ctlCode = r.u32();
  const persistent = r.u64();
  const volatile = r.u64();
  const inOff = r.u32();
  const inCount = r.u32();
  r.u32(); // MaxInputResponse
  r.u32(); // OutputOffset
  r.u32(); // OutputCount
  const maxOutput = r.u32();
  const flags = r.u32();
  if (!(flags & SMB2_0_IOCTL_IS_FSCTL)) throw new SmbError(STATUS_NOT_SUPPORTED);
  const input = slice(req.msg, inOff, inCount, MAX_IOCTL_INPUT_BYTES);
  let output: Buffer;
  if (ctlCode === FSCTL_VALIDATE_NEGOTIATE_INFO) output = validateNegotiate(req, input);
  else if (ctlCode === FSCTL_QUERY_NETWORK_INTERFACE_INFO) output = networkInterfaces(req);
  else throw new SmbError(STATUS_NOT_SUPPORTED, `FSCTL 0x${ctlCode.toString(16)}`);
  if (output.length > maxOutput) {
    throw new SmbError(maxOutput === 0 ? STATUS_INVALID_PARAMETER : STATUS_BUFFER_TOO_SMALL);
  }
  const w = new SmbWriter(64 + output.length);
  const outOff = SMB2_HEADER_SIZE + RESPONSE_FIXED;
  w.u16(49).u16(0).u32(ctlCode).u64(persistent).u64(volatile);
  w.u32(outOff).u32(0).u32(outOff).u32(output.length).u32(0).u32(0).bytes(output);
  return { body: w.finish() };
}

export const IOCTL: CommandSpec = {
  name: "IOCTL",
  structureSize: 57,
  needsSession: true,
  needsTree: true,
  handle: ioctl,
};
