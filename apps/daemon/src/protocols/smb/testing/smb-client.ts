/**
 * A small SMB2 client for command tests: raw NTLMSSP (NTLMv2) session setup, optional signing or
 * encryption (§3.1.4.3), one request or a compound chain at a time, async interim responses skipped. It speaks the wire
 * format independently of the server's request/reply code (only shared: constants and crypto).
 */
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import {
  cipherKeys,
  decodeTransform,
  SessionCipher,
  SMB2_TRANSFORM_PROTOCOL_ID,
} from "../auth/encryption.ts";
import { ntHashOf, ntlmv2Proof, ntowfv2 } from "../auth/ntlm.ts";
import { rc4 } from "../auth/rc4.ts";
import { computeSignature, defaultSigningAlgorithm, signingKeyFor } from "../auth/signing.ts";
import * as C from "../constants.ts";
import { FrameDecoder, transportHeader } from "../framing.ts";
import { decodeHeader, encodeHeader, type Smb2Header } from "../header.ts";
import { STATUS_MORE_PROCESSING_REQUIRED, STATUS_PENDING } from "../ntstatus.ts";
import { preauthUpdate } from "../preauth.ts";
import { SmbWriter } from "../wire.ts";

export interface SmbResponse {
  header: Smb2Header;
  status: number;
  /** Bytes of this response from its header start (offsets in bodies are relative to it). */
  msg: Buffer;
  /** Body after the 64-byte header. */
  body: Buffer;
  /** It arrived in a TRANSFORM_HEADER frame that decrypted with the session's keys. */
  sealed: boolean;
}

export interface FileId {
  persistent: bigint;
  volatile: bigint;
}

export interface Request {
  command: number;
  body: Buffer;
  treeId?: number;
  flags?: number;
  creditCharge?: number;
  /** §2.2.1.2 ChannelSequence (3.x requests: the first two bytes of the Status field). */
  channelSequence?: number;
}

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

export class SmbTestClient {
  private readonly decoder = new FrameDecoder();
  private waiters = new Map<bigint, (r: SmbResponse) => void>();
  private nextId = 0n;

  /** The MessageId the next request gets (a CANCEL addressed by MessageId names it). */
  get nextMessageId(): bigint {
    return this.nextId;
  }
  dialect = 0;
  sessionId = 0n;
  treeId = 0;
  signingKey: Buffer | null = null;
  /** The algorithm NEGOTIATE chose (§2.2.3.1.7; HMAC-SHA256 or AES-CMAC by dialect without a context). */
  signingAlgorithm = 0;
  sign = false;
  private preauth: Buffer | null = null;
  /** The last request as sent (preauth hashing of a signed SESSION_SETUP). */
  private lastBuilt: Buffer = Buffer.alloc(0);
  readonly interim: SmbResponse[] = [];
  /** Unsolicited OPLOCK_BREAK notifications (MessageId all ones), oldest first. */
  readonly breaks: SmbResponse[] = [];
  private breakWaiter: (() => void) | null = null;
  lastClientGuid: Buffer | null = null;
  private sessionKey: Buffer | null = null;
  /** Set by encrypt(): requests go out sealed, sealed responses are opened. */
  private cipher: SessionCipher | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (d) => {
      for (const frame of this.decoder.push(d)) this.onFrame(frame);
    });
  }

  /** Bytes this client sent and received on its socket (server-side copy keeps data off it). */
  get socketBytes(): { sent: number; received: number } {
    return { sent: this.socket.bytesWritten, received: this.socket.bytesRead };
  }

  /** `localAddress` (e.g. 127.0.0.2) makes the client another address for logon throttling. */
  static async connect(port: number, localAddress?: string): Promise<SmbTestClient> {
    const socket = connect({ port, host: "127.0.0.1", ...(localAddress ? { localAddress } : {}) });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    return new SmbTestClient(socket);
  }

  private onFrame(received: Buffer): void {
    let frame = received;
    let sealed = false;
    if (this.cipher && frame.readUInt32LE(0) === SMB2_TRANSFORM_PROTOCOL_ID) {
      const plain = this.cipher.open(decodeTransform(frame, frame.length));
      if (!plain) throw new Error("TRANSFORM_HEADER from the server did not decrypt");
      [frame, sealed] = [plain, true];
    }
    let at = 0;
    for (;;) {
      const header = decodeHeader(frame.subarray(at));
      const end = header.NextCommand ? at + header.NextCommand : frame.length;
      const msg = frame.subarray(at, end);
      const r = { header, status: header.Status, msg, body: msg.subarray(64), sealed };
      if (header.Status === STATUS_PENDING && header.Flags & C.SMB2_FLAGS_ASYNC_COMMAND) this.interim.push(r);
      else if (header.MessageId === 0xffffffffffffffffn && header.Command === C.SMB2_OPLOCK_BREAK) {
        this.breaks.push(r);
        this.breakWaiter?.();
      } else this.waiters.get(header.MessageId)?.(r);
      if (!header.NextCommand) return;
      at = end;
    }
  }

  private build(req: Request, messageId: bigint, next: number): Buffer {
    const header = encodeHeader({
      CreditCharge: req.creditCharge ?? 1,
      Status: req.channelSequence ?? 0,
      Command: req.command,
      Credits: 256,
      Flags: (req.flags ?? 0) | (this.sign && this.signingKey ? C.SMB2_FLAGS_SIGNED : 0),
      NextCommand: next,
      MessageId: messageId,
      TreeId: req.treeId ?? this.treeId,
      AsyncId: 0n,
      SessionId: this.sessionId,
      Signature: Buffer.alloc(16),
    });
    const msg = Buffer.concat([header, req.body]);
    if (this.sign && this.signingKey) {
      computeSignature({ key: this.signingKey, algorithm: this.signingAlgorithm }, [msg]).copy(msg, 48);
    }
    this.lastBuilt = msg;
    return msg;
  }

  /** Sends requests as one compound frame (8-byte aligned) and waits for every response. */
  async compound(reqs: Request[]): Promise<SmbResponse[]> {
    const msgs: Buffer[] = [];
    const ids: bigint[] = [];
    for (let i = 0; i < reqs.length; i++) {
      const id = this.nextId;
      this.nextId += BigInt(Math.max(1, reqs[i]!.creditCharge ?? 1));
      ids.push(id);
      const bodyLen = 64 + reqs[i]!.body.length;
      const padded = i < reqs.length - 1 ? (bodyLen + 7) & ~7 : bodyLen;
      const m = this.build(reqs[i]!, id, i < reqs.length - 1 ? padded : 0);
      msgs.push(Buffer.concat([m, Buffer.alloc(padded - m.length)]));
    }
    const waits = ids.map((id) => new Promise<SmbResponse>((resolve) => this.waiters.set(id, resolve)));
    const plain = Buffer.concat(msgs);
    const frame = this.cipher ? Buffer.concat(this.cipher.seal(this.sessionId, [plain])) : plain;
    this.socket.write(Buffer.concat([transportHeader(frame.length), frame]));
    const out = await Promise.all(waits);
    for (const id of ids) this.waiters.delete(id);
    return out;
  }

  async send(
    command: number,
    body: Buffer,
    opts: Omit<Request, "command" | "body"> = {},
  ): Promise<SmbResponse> {
    const [r] = await this.compound([{ command, body, ...opts }]);
    return r!;
  }

  /** The next break notification not yet taken (waits for one, at most `timeoutMs`). */
  async nextBreak(timeoutMs = 5000): Promise<SmbResponse> {
    const deadline = Date.now() + timeoutMs;
    while (this.breaks.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("no oplock break notification");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.breakWaiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.breakWaiter = null;
    }
    return this.breaks.shift()!;
  }

  /** Runs `fn` with the socket corked: what it sends leaves in one TCP write (the server reads it at once). */
  corked<T>(fn: () => T): T {
    this.socket.cork();
    try {
      return fn();
    } finally {
      process.nextTick(() => this.socket.uncork());
    }
  }

  /** Writes raw bytes (framing tests, garbage). */
  raw(bytes: Buffer): void {
    this.socket.write(bytes);
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

  /** The request bytes as built for message id `nextId - 1` (preauth hashing of our own sends). */
  private lastSent(command: number, body: Buffer): Buffer {
    return Buffer.concat([
      encodeHeader({
        CreditCharge: 1,
        Status: 0,
        Command: command,
        Credits: 256,
        Flags: 0,
        NextCommand: 0,
        MessageId: this.nextId - 1n,
        TreeId: this.treeId,
        AsyncId: 0n,
        SessionId: this.sessionId,
        Signature: Buffer.alloc(16),
      }),
      body,
    ]);
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
    const negotiate = Buffer.alloc(32);
    Buffer.from("NTLMSSP\0").copy(negotiate);
    negotiate.writeUInt32LE(1, 8);
    negotiate.writeUInt32LE(0xe2088297, 12);
    return this.setupLeg(negotiate, 0n, 1);
  }

  private async ntlmLegs(
    user: string,
    password: string,
    domain: string,
    previousSessionId: bigint,
    flags: number,
  ): Promise<{ second: SmbResponse; exported: Buffer | null }> {
    const negotiate = Buffer.alloc(32);
    Buffer.from("NTLMSSP\0").copy(negotiate);
    negotiate.writeUInt32LE(1, 8);
    negotiate.writeUInt32LE(0xe2088297, 12);
    const first = await this.setupLeg(negotiate, previousSessionId, flags);
    if (first.status !== STATUS_MORE_PROCESSING_REQUIRED) return { second: first, exported: null };
    this.sessionId = first.header.SessionId;
    const challenge = first.msg.subarray(
      first.body.readUInt16LE(4),
      first.body.readUInt16LE(4) + first.body.readUInt16LE(6),
    );
    const serverChallenge = challenge.subarray(24, 32);
    const tiLen = challenge.readUInt16LE(40);
    const tiOff = challenge.readUInt32LE(44);
    const targetInfo = challenge.subarray(tiOff, tiOff + tiLen);
    const key = ntowfv2(await ntHashOf(password), user, domain);
    const temp = Buffer.concat([
      Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]),
      Buffer.alloc(8),
      randomBytes(8),
      Buffer.alloc(4),
      targetInfo,
      Buffer.alloc(4),
    ]);
    const { ntProofStr, sessionBaseKey } = ntlmv2Proof(key, serverChallenge, temp);
    const exported = randomBytes(16);
    const auth = authenticateMessage(
      Buffer.concat([ntProofStr, temp]),
      domain,
      user,
      rc4(sessionBaseKey, exported),
    );
    const second = await this.setupLeg(auth, previousSessionId, flags);
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
    const negotiate = Buffer.alloc(32);
    Buffer.from("NTLMSSP\0").copy(negotiate);
    negotiate.writeUInt32LE(1, 8);
    negotiate.writeUInt32LE(0xe2088297, 12);
    const first = await this.setupLeg(negotiate);
    this.sessionId = first.header.SessionId;
    const head = Buffer.alloc(64);
    Buffer.from("NTLMSSP\0").copy(head);
    head.writeUInt32LE(3, 8);
    for (let i = 0; i < 6; i++) head.writeUInt32LE(64, 16 + i * 8);
    head.writeUInt32LE(0x00000a15, 60);
    return this.setupLeg(head);
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

  close(): void {
    this.socket.destroy();
  }

  /** Resolves when the connection is closed (by either side). */
  closed(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.socket.once("close", () => resolve()));
  }
}

function authenticateMessage(nt: Buffer, domain: string, user: string, encKey: Buffer): Buffer {
  const fields = [
    Buffer.alloc(24),
    nt,
    Buffer.from(domain, "utf16le"),
    Buffer.from(user, "utf16le"),
    Buffer.from("TEST", "utf16le"),
    encKey,
  ];
  const head = Buffer.alloc(64);
  Buffer.from("NTLMSSP\0").copy(head);
  head.writeUInt32LE(3, 8);
  let off = 64;
  fields.forEach((f, i) => {
    head.writeUInt16LE(f.length, 12 + i * 8);
    head.writeUInt16LE(f.length, 14 + i * 8);
    head.writeUInt32LE(off, 16 + i * 8);
    off += f.length;
  });
  head.writeUInt32LE(0xe2088215, 60);
  return Buffer.concat([head, ...fields]);
}
