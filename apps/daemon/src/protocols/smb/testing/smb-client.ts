/**
 * A small SMB2 client for command tests: NEGOTIATE, raw NTLMSSP (NTLMv2) session setup,
 * re-authentication and channel binding, optional signing or encryption (§3.1.4.3), TREE_CONNECT.
 * The frames (signing, sealing, compounds, breaks) are smb-transport.ts's, the NTLM tokens
 * ntlm-tokens.ts's.
 */
import { randomBytes } from "node:crypto";
import { cipherKeys, SessionCipher } from "../auth/encryption.ts";
import { defaultSigningAlgorithm, signingKeyFor } from "../auth/signing.ts";
import * as C from "../constants.ts";
import { STATUS_MORE_PROCESSING_REQUIRED } from "../ntstatus.ts";
import { preauthUpdate } from "../preauth.ts";
import { SmbWriter } from "../wire.ts";
import { anonymousAuthenticate, ntlmAuthenticate, ntlmNegotiate } from "./ntlm-tokens.ts";
import { connectSocket, type SmbResponse, SmbTransport } from "./smb-transport.ts";

export type { FileId, Request, SmbResponse } from "./smb-transport.ts";

/** The algorithm of a NEGOTIATE response's SIGNING_CAPABILITIES context (§2.2.4), if it has one. */
function negotiatedSigning(r: SmbResponse): number | null {
  if (r.status !== 0 || r.body.length < 64) return null;
  const count = r.body.readUInt16LE(6);
  let at = r.body.readUInt32LE(60);
  for (let i = 0; i < count && at + 8 <= r.msg.length; i++) {
    const type = r.msg.readUInt16LE(at);
    const len = r.msg.readUInt16LE(at + 2);
    if (type === C.SMB2_SIGNING_CAPABILITIES) return r.msg.readUInt16LE(at + 10);
    at = (at + 8 + len + 7) & ~7;
  }
  return null;
}

export class SmbTestClient extends SmbTransport {
  dialect = 0;
  private preauth: Buffer | null = null;
  lastClientGuid: Buffer | null = null;
  private sessionKey: Buffer | null = null;

  /** `localAddress` (e.g. 127.0.0.2) makes the client another address for logon throttling. */
  static async connect(port: number, localAddress?: string): Promise<SmbTestClient> {
    return new SmbTestClient(await connectSocket(port, localAddress));
  }

  async negotiate(
    dialects: number[] = [C.SMB2_DIALECT_210],
    securityMode = C.SMB2_NEGOTIATE_SIGNING_ENABLED,
    capabilities = 0,
    clientGuid: Buffer = randomBytes(16),
    signingAlgorithms: number[] = [],
  ): Promise<SmbResponse> {
    const w = new SmbWriter();
    const has311 = dialects.includes(C.SMB2_DIALECT_311);
    const signingCtx = has311 && signingAlgorithms.length > 0;
    const ctxOffset = 64 + 36 + dialects.length * 2;
    const aligned = (ctxOffset + 7) & ~7;
    this.lastClientGuid = clientGuid;
    w.u16(36).u16(dialects.length).u16(securityMode).u16(0).u32(capabilities).bytes(this.lastClientGuid);
    w.u32(has311 ? aligned : 0)
      .u16(has311 ? (signingCtx ? 2 : 1) : 0)
      .u16(0);
    for (const d of dialects) w.u16(d);
    if (has311) {
      w.zeros(aligned - ctxOffset);
      w.u16(C.SMB2_PREAUTH_INTEGRITY_CAPABILITIES)
        .u16(38)
        .u32(0)
        .u16(1)
        .u16(32)
        .u16(C.SHA_512)
        .bytes(randomBytes(32));
      if (signingCtx) {
        w.zeros(2); // the next context starts 8-byte aligned (46 bytes so far)
        w.u16(C.SMB2_SIGNING_CAPABILITIES)
          .u16(2 + 2 * signingAlgorithms.length)
          .u32(0);
        w.u16(signingAlgorithms.length);
        for (const a of signingAlgorithms) w.u16(a);
      }
    }
    const body = w.finish();
    const r = await this.send(C.SMB2_NEGOTIATE, body);
    this.dialect = r.body.readUInt16LE(4);
    this.signingAlgorithm = negotiatedSigning(r) ?? defaultSigningAlgorithm(this.dialect);
    if (this.dialect === C.SMB2_DIALECT_311) {
      const req = this.lastSent(C.SMB2_NEGOTIATE, body);
      this.preauth = preauthUpdate(preauthUpdate(Buffer.alloc(64), req), r.msg);
    }
    return r;
  }

  /**
   * NTLMv2 logon. On a logged-on client it re-authenticates the session, which keeps its keys
   * (§3.3.5.5.3); `previousSessionId` asks the server to end that old session (§2.2.5).
   */
  async sessionSetup(
    user: string,
    password: string,
    domain = "WORKGROUP",
    previousSessionId = 0n,
  ): Promise<SmbResponse> {
    const reauth = this.sessionId !== 0n && this.signingKey !== null;
    const { second, exported } = await this.ntlmLegs(user, password, domain, previousSessionId, 0);
    if (second.status === 0 && !reauth && exported) {
      this.signingKey = signingKeyFor(this.dialect, exported, this.preauth);
      this.sessionKey = exported;
    }
    return second;
  }

  /**
   * Binds `session` (logged on through another client) to this connection as a channel
   * (SMB2_SESSION_FLAG_BINDING, §3.2.4.2.3): the legs are signed with the session's key and
   * algorithm; on success this client signs with the channel key (3.1.1: over the bind's preauth
   * hash) and this connection's algorithm.
   */
  async bind(session: SmbTestClient, user: string, password: string): Promise<SmbResponse> {
    const own = this.signingAlgorithm;
    [this.sessionId, this.signingKey, this.signingAlgorithm] = [
      session.sessionId,
      session.signingKey,
      session.signingAlgorithm,
    ];
    this.sign = true;
    const { second, exported } = await this.ntlmLegs(user, password, "WORKGROUP", 0n, 1);
    if (second.status === 0 && exported) {
      this.signingKey = signingKeyFor(this.dialect, exported, this.preauth);
      this.signingAlgorithm = own;
    }
    return second;
  }

  /**
   * The first leg of `bind` alone (NTLM NEGOTIATE with SMB2_SESSION_FLAG_BINDING, signed with the
   * session's key): a bind left half-made. `badSignature` signs it with a key the server never gave.
   */
  async bindStart(session: SmbTestClient, badSignature = false): Promise<SmbResponse> {
    this.sessionId = session.sessionId;
    this.signingKey = badSignature ? randomBytes(16) : session.signingKey;
    this.signingAlgorithm = session.signingAlgorithm;
    this.sign = true;
    return this.setupLeg(ntlmNegotiate(), 0n, 1);
  }

  private async ntlmLegs(
    user: string,
    password: string,
    domain: string,
    previousSessionId: bigint,
    flags: number,
  ): Promise<{ second: SmbResponse; exported: Buffer | null }> {
    const first = await this.setupLeg(ntlmNegotiate(), previousSessionId, flags);
    if (first.status !== STATUS_MORE_PROCESSING_REQUIRED) return { second: first, exported: null };
    this.sessionId = first.header.SessionId;
    const challenge = first.msg.subarray(
      first.body.readUInt16LE(4),
      first.body.readUInt16LE(4) + first.body.readUInt16LE(6),
    );
    const { token, exported } = await ntlmAuthenticate(challenge, user, password, domain);
    const second = await this.setupLeg(token, previousSessionId, flags);
    return { second, exported };
  }

  /**
   * Encrypts every later request with `cipher` (the one NEGOTIATE chose) and opens sealed
   * responses: the client's keys are the server's with the directions swapped (§3.2.5.3.1).
   */
  encrypt(cipher: number): void {
    if (!this.sessionKey) throw new Error("encrypt() before a successful session setup");
    const k = cipherKeys(this.dialect, cipher, this.sessionKey, this.preauth);
    this.cipher = new SessionCipher(cipher, k.decryptionKey, k.encryptionKey);
  }

  /** Anonymous NTLMSSP logon ([MS-NLMP] §3.2.5.1.2: empty user, empty NtChallengeResponse). */
  async anonymousSetup(): Promise<SmbResponse> {
    const first = await this.setupLeg(ntlmNegotiate());
    this.sessionId = first.header.SessionId;
    return this.setupLeg(anonymousAuthenticate());
  }

  private async setupLeg(token: Buffer, previousSessionId = 0n, flags = 0): Promise<SmbResponse> {
    const body = new SmbWriter()
      .u16(25)
      .u8(flags)
      .u8(1)
      .u32(0)
      .u32(0)
      .u16(64 + 24)
      .u16(token.length)
      .u64(previousSessionId)
      .bytes(token)
      .finish();
    const r = await this.send(C.SMB2_SESSION_SETUP, body);
    if (this.preauth) {
      this.preauth = preauthUpdate(this.preauth, this.lastBuilt);
      if (r.status === STATUS_MORE_PROCESSING_REQUIRED) this.preauth = preauthUpdate(this.preauth, r.msg);
    }
    return r;
  }

  async treeConnect(share: string): Promise<SmbResponse> {
    const path = Buffer.from(`\\\\127.0.0.1\\${share}`, "utf16le");
    const r = await this.send(
      C.SMB2_TREE_CONNECT,
      new SmbWriter().u16(9).u16(0).u16(72).u16(path.length).bytes(path).finish(),
    );
    if (r.status === 0) this.treeId = r.header.TreeId;
    return r;
  }

  /** NEGOTIATE + SESSION_SETUP + TREE_CONNECT; throws on any failure. */
  static async login(
    port: number,
    user: string,
    password: string,
    share = "export",
    dialects?: number[],
    localAddress?: string,
  ): Promise<SmbTestClient> {
    const c = await SmbTestClient.connect(port, localAddress);
    await c.negotiate(dialects);
    const s = await c.sessionSetup(user, password);
    if (s.status !== 0) throw new Error(`session setup 0x${s.status.toString(16)}`);
    const t = await c.treeConnect(share);
    if (t.status !== 0) throw new Error(`tree connect 0x${t.status.toString(16)}`);
    return c;
  }
}
