/**
 * The frames of the SMB2 test client (smb-client.ts): requests built, signed (§3.1.4.1) or sealed
 * (§3.1.4.3) and sent alone or as one compound chain, responses matched to them by MessageId,
 * async interim responses and unsolicited oplock/lease breaks kept aside. It speaks the wire
 * format independently of the server's request/reply code (only shared: constants and crypto).
 */
import { connect, type Socket } from "node:net";
import { decodeTransform, type SessionCipher, SMB2_TRANSFORM_PROTOCOL_ID } from "../auth/encryption.ts";
import { computeSignature } from "../auth/signing.ts";
import * as C from "../constants.ts";
import { FrameDecoder, transportHeader } from "../framing.ts";
import { decodeHeader, encodeHeader, type Smb2Header } from "../header.ts";
import { STATUS_PENDING } from "../ntstatus.ts";

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

/** A TCP connection to the server on 127.0.0.1; `localAddress` (e.g. 127.0.0.2) makes it another client address. */
export async function connectSocket(port: number, localAddress?: string): Promise<Socket> {
  const socket = connect({ port, host: "127.0.0.1", ...(localAddress ? { localAddress } : {}) });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return socket;
}

export class SmbTransport {
  private readonly decoder = new FrameDecoder();
  private waiters = new Map<bigint, (r: SmbResponse) => void>();
  private nextId = 0n;

  /** The MessageId the next request gets (a CANCEL addressed by MessageId names it). */
  get nextMessageId(): bigint {
    return this.nextId;
  }
  sessionId = 0n;
  treeId = 0;
  signingKey: Buffer | null = null;
  /** The algorithm NEGOTIATE chose (§2.2.3.1.7; HMAC-SHA256 or AES-CMAC by dialect without a context). */
  signingAlgorithm = 0;
  sign = false;
  /** The last request as sent (preauth hashing of a signed SESSION_SETUP). */
  protected lastBuilt: Buffer = Buffer.alloc(0);
  readonly interim: SmbResponse[] = [];
  /** Unsolicited OPLOCK_BREAK notifications (MessageId all ones), oldest first. */
  readonly breaks: SmbResponse[] = [];
  private breakWaiter: (() => void) | null = null;
  /** Set by encrypt(): requests go out sealed, sealed responses are opened. */
  protected cipher: SessionCipher | null = null;

  protected constructor(private readonly socket: Socket) {
    socket.on("data", (d) => {
      for (const frame of this.decoder.push(d)) this.onFrame(frame);
    });
  }

  /** Bytes this client sent and received on its socket (server-side copy keeps data off it). */
  get socketBytes(): { sent: number; received: number } {
    return { sent: this.socket.bytesWritten, received: this.socket.bytesRead };
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

  /** The request bytes as built for message id `nextId - 1` (preauth hashing of our own sends). */
  protected lastSent(command: number, body: Buffer): Buffer {
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

  close(): void {
    this.socket.destroy();
  }

  /** Resolves when the connection is closed (by either side). */
  closed(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.socket.once("close", () => resolve()));
  }
}
