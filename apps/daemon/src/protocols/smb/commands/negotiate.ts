/**
 * SMB2 NEGOTIATE ([MS-SMB2] §2.2.3, §2.2.4, §3.3.5.4): picks the highest common dialect of
 * 2.0.2–3.1.1, answers 3.1.1 with PREAUTH_INTEGRITY (SHA-512), ENCRYPTION (the first of
 * SERVER_CIPHER_ORDER the client offers) and SIGNING (the first of SERVER_SIGNING_ORDER the client
 * offers) contexts, 3.0/3.0.2 clients with
 * SMB2_GLOBAL_CAP_ENCRYPTION with AES-128-CCM,
 * and offers SPNEGO/NTLMSSP in the security buffer.
 */
import { randomBytes } from "node:crypto";
import { AES_128_CCM, SERVER_CIPHER_ORDER } from "../auth/encryption.ts";
import { defaultSigningAlgorithm } from "../auth/signing.ts";
import { negTokenInit } from "../auth/spnego.ts";
import {
  SHA_512,
  SIGNING_ALG_AES_CMAC,
  SIGNING_ALG_AES_GMAC,
  SIGNING_ALG_HMAC_SHA256,
  SMB2_DIALECT_202,
  SMB2_DIALECT_210,
  SMB2_DIALECT_300,
  SMB2_DIALECT_311,
  SMB2_ENCRYPTION_CAPABILITIES,
  SMB2_GLOBAL_CAP_DIRECTORY_LEASING,
  SMB2_GLOBAL_CAP_ENCRYPTION,
  SMB2_GLOBAL_CAP_LARGE_MTU,
  SMB2_GLOBAL_CAP_LEASING,
  SMB2_GLOBAL_CAP_MULTI_CHANNEL,
  SMB2_HEADER_SIZE,
  SMB2_NEGOTIATE_SIGNING_ENABLED,
  SMB2_NEGOTIATE_SIGNING_REQUIRED,
  SMB2_PREAUTH_INTEGRITY_CAPABILITIES,
  SMB2_SIGNING_CAPABILITIES,
  SUPPORTED_DIALECTS,
} from "../constants.ts";
import { STATUS_INVALID_PARAMETER, STATUS_NOT_SUPPORTED } from "../ntstatus.ts";
import { PREAUTH_HASH_BYTES, preauthUpdate } from "../preauth.ts";
import type { CommandSpec, SmbRequest } from "../request.ts";
import { SmbError } from "../status.ts";
import { SmbReader, SmbWriter } from "../wire.ts";

export const MAX_DIALECTS = 64;
export const MAX_NEGOTIATE_CONTEXTS = 32;

export interface NegotiateRequest {
  SecurityMode: number;
  Capabilities: number;
  ClientGuid: Buffer;
  Dialects: number[];
  contexts: { type: number; data: Buffer }[];
}

/**
 * §2.2.4 Capabilities, also echoed by FSCTL_VALIDATE_NEGOTIATE_INFO (§3.3.5.15.12): large MTU
 * and leasing from 2.1 on (oplocks need no capability), directory leasing from 3.0 on
 * (dir-leases.ts); ENCRYPTION for a
 * 3.0/3.0.2 connection that negotiated a cipher (3.1.1 says it in a context instead, §3.3.5.4);
 * MULTI_CHANNEL from 3.0 on to a client that offers it (session binding, session-bind.ts).
 */
export function serverCapabilities(dialect: number, cipher = 0, clientCapabilities = 0): number {
  const base = dialect >= SMB2_DIALECT_210 ? SMB2_GLOBAL_CAP_LARGE_MTU | SMB2_GLOBAL_CAP_LEASING : 0;
  const sealed = cipher !== 0 && dialect >= SMB2_DIALECT_300 && dialect < SMB2_DIALECT_311;
  const multi = dialect >= SMB2_DIALECT_300 ? clientCapabilities & SMB2_GLOBAL_CAP_MULTI_CHANNEL : 0;
  const dirLeases = dialect >= SMB2_DIALECT_300 ? SMB2_GLOBAL_CAP_DIRECTORY_LEASING : 0;
  return base | (sealed ? SMB2_GLOBAL_CAP_ENCRYPTION : 0) | multi | dirLeases;
}

/** §3.3.5.4: the cipher of an ENCRYPTION_CAPABILITIES context, 0 when none is common. */
export function pickCipher(data: Buffer): number {
  const r = new SmbReader(data);
  const count = r.u16();
  const offered: number[] = [];
  for (let i = 0; i < count && r.remaining >= 2; i++) offered.push(r.u16());
  return SERVER_CIPHER_ORDER.find((c) => offered.includes(c)) ?? 0;
}

/** Signing algorithms in the server's order of preference (Samba's default order). */
const SERVER_SIGNING_ORDER = [SIGNING_ALG_AES_GMAC, SIGNING_ALG_AES_CMAC, SIGNING_ALG_HMAC_SHA256];

/**
 * §3.3.5.4 SMB2_SIGNING_CAPABILITIES: the server's most preferred algorithm the client offers;
 * null when none is common (the connection keeps AES-CMAC and the response has no context).
 * A context without algorithms is malformed.
 */
export function pickSigning(data: Buffer): number | null {
  const r = new SmbReader(data);
  const count = r.u16();
  if (count === 0 || r.remaining < count * 2)
    throw new SmbError(STATUS_INVALID_PARAMETER, "SigningAlgorithmCount");
  const offered: number[] = [];
  for (let i = 0; i < count; i++) offered.push(r.u16());
  return SERVER_SIGNING_ORDER.find((a) => offered.includes(a)) ?? null;
}

/** The connection's cipher (§3.3.1.7 Connection.CipherId): 3.1.1 by context, 3.0/3.0.2 by capability. */
function negotiatedCipher(dialect: number, n: NegotiateRequest): number {
  if (dialect === SMB2_DIALECT_311) {
    const ctx = n.contexts.find((c) => c.type === SMB2_ENCRYPTION_CAPABILITIES);
    return ctx ? pickCipher(ctx.data) : 0;
  }
  if (dialect >= SMB2_DIALECT_300 && n.Capabilities & SMB2_GLOBAL_CAP_ENCRYPTION) return AES_128_CCM;
  return 0;
}

export function decodeNegotiate(msg: Buffer): NegotiateRequest {
  const r = new SmbReader(msg, SMB2_HEADER_SIZE + 2);
  const DialectCount = r.u16();
  const SecurityMode = r.u16();
  r.skip(2);
  const Capabilities = r.u32();
  const ClientGuid = r.bytes(16);
  const ctxOffset = r.u32();
  const ctxCount = r.u16();
  r.skip(2);
  if (DialectCount === 0 || DialectCount > MAX_DIALECTS)
    throw new SmbError(STATUS_INVALID_PARAMETER, "DialectCount");
  const Dialects: number[] = [];
  for (let i = 0; i < DialectCount; i++) Dialects.push(r.u16());
  const contexts: { type: number; data: Buffer }[] = [];
  if (Dialects.includes(SMB2_DIALECT_311) && ctxCount > 0) {
    if (ctxCount > MAX_NEGOTIATE_CONTEXTS)
      throw new SmbError(STATUS_INVALID_PARAMETER, "NegotiateContextCount");
    const c = new SmbReader(msg, ctxOffset);
    for (let i = 0; i < ctxCount; i++) {
      c.pos = (c.pos + 7) & ~7;
      const type = c.u16();
      const len = c.u16();
      c.skip(4);
      contexts.push({ type, data: c.bytes(len) });
    }
  }
  return { SecurityMode, Capabilities, ClientGuid, Dialects, contexts };
}

function context(type: number, data: Buffer): Buffer {
  const w = new SmbWriter();
  w.u16(type).u16(data.length).u32(0).bytes(data);
  return w.finish();
}

function responseContexts(req: NegotiateRequest, cipher: number, signing: number | null): Buffer[] {
  const out: Buffer[] = [];
  const preauth = req.contexts.find((c) => c.type === SMB2_PREAUTH_INTEGRITY_CAPABILITIES);
  if (!preauth) throw new SmbError(STATUS_INVALID_PARAMETER, "3.1.1 without PREAUTH_INTEGRITY context");
  const pr = new SmbReader(preauth.data);
  const count = pr.u16();
  pr.u16();
  const algs: number[] = [];
  for (let i = 0; i < count && pr.remaining >= 2; i++) algs.push(pr.u16());
  if (!algs.includes(SHA_512)) throw new SmbError(STATUS_NOT_SUPPORTED, "no SHA-512");
  const salt = randomBytes(32);
  out.push(
    context(
      SMB2_PREAUTH_INTEGRITY_CAPABILITIES,
      new SmbWriter().u16(1).u16(32).u16(SHA_512).bytes(salt).finish(),
    ),
  );
  if (req.contexts.some((c) => c.type === SMB2_ENCRYPTION_CAPABILITIES)) {
    out.push(context(SMB2_ENCRYPTION_CAPABILITIES, new SmbWriter().u16(1).u16(cipher).finish()));
  }
  if (signing !== null) {
    out.push(context(SMB2_SIGNING_CAPABILITIES, new SmbWriter().u16(1).u16(signing).finish()));
  }
  return out;
}

/** §3.3.5.4: without LARGE_MTU (dialect 2.0.2) a single READ/WRITE/transact is at most 64 KiB. */
export const SMB2_02_MAX_IO_BYTES = 65536;

function ioLimit(dialect: number, configured: number): number {
  return dialect === SMB2_DIALECT_202 ? Math.min(configured, SMB2_02_MAX_IO_BYTES) : configured;
}

function filetimeNow(): bigint {
  return BigInt(Date.now()) * 10000n + 116444736000000000n;
}

export async function negotiate(req: SmbRequest): Promise<{ body: Buffer; onBuilt?: (m: Buffer) => void }> {
  const conn = req.conn;
  if (conn.negotiated) throw new SmbError(STATUS_INVALID_PARAMETER, "second NEGOTIATE");
  const n = decodeNegotiate(req.msg);
  const dialect = SUPPORTED_DIALECTS.find((d) => n.Dialects.includes(d));
  if (dialect === undefined) throw new SmbError(STATUS_NOT_SUPPORTED, "no common dialect");
  const cipher = negotiatedCipher(dialect, n);
  const signingCtx = n.contexts.find((c) => c.type === SMB2_SIGNING_CAPABILITIES);
  const signing = dialect === SMB2_DIALECT_311 && signingCtx ? pickSigning(signingCtx.data) : null;
  const contexts = dialect === SMB2_DIALECT_311 ? responseContexts(n, cipher, signing) : [];
  const cfg = req.server.config;
  conn.dialect = dialect;
  conn.negotiated = true;
  conn.cipher = cipher;
  conn.signingAlgorithm = signing ?? defaultSigningAlgorithm(dialect);
  conn.clientGuid = Buffer.from(n.ClientGuid);
  conn.clientCapabilities = n.Capabilities;
  conn.clientSecurityMode = n.SecurityMode;
  conn.clientDialects = n.Dialects;
  const security = negTokenInit();
  const w = new SmbWriter();
  w.u16(65)
    .u16(SMB2_NEGOTIATE_SIGNING_ENABLED | (cfg.signingRequired ? SMB2_NEGOTIATE_SIGNING_REQUIRED : 0))
    .u16(dialect)
    .u16(contexts.length)
    .bytes(cfg.serverGuid)
    .u32(serverCapabilities(dialect, cipher, n.Capabilities))
    .u32(ioLimit(dialect, cfg.maxTransactBytes))
    .u32(ioLimit(dialect, cfg.maxReadBytes))
    .u32(ioLimit(dialect, cfg.maxWriteBytes))
    .u64(filetimeNow())
    .u64(0n)
    .u16(SMB2_HEADER_SIZE + 64)
    .u16(security.length);
  const ctxOffsetAt = w.length;
  w.u32(0).bytes(security);
  if (contexts.length > 0) {
    w.align(8);
    // Offsets count from the header start; the body starts 64 bytes in, a multiple of 8.
    w.patchU32(ctxOffsetAt, SMB2_HEADER_SIZE + w.length);
    contexts.forEach((c, i) => {
      w.bytes(c);
      if (i < contexts.length - 1) w.align(8);
    });
  }
  if (dialect !== SMB2_DIALECT_311) return { body: w.finish() };
  conn.preauthHash = preauthUpdate(Buffer.alloc(PREAUTH_HASH_BYTES), req.msg);
  return {
    body: w.finish(),
    onBuilt: (m) => {
      conn.preauthHash = preauthUpdate(conn.preauthHash!, m);
    },
  };
}

export const NEGOTIATE: CommandSpec = {
  name: "NEGOTIATE",
  structureSize: 36,
  needsSession: false,
  needsTree: false,
  handle: negotiate,
};
