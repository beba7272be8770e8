/**
 * A small ONC RPC client over TCP: used for NLM GRANTED callbacks and portmapper queries, and
 * by tests to speak to the server exactly as a remote client would. Many calls may be in flight;
 * replies are matched by xid.
 */
import { connect, type Socket } from "node:net";
import { XdrReader } from "../xdr/reader.ts";
import { XdrWriter } from "../xdr/writer.ts";
import { SUCCESS } from "./constants.ts";
import { type AuthSys, decodeReplyHeader, encodeCall, type ReplyHeader } from "./message.ts";
import { encodeRecord, RecordDecoder } from "./record-marking.ts";

const CLIENT_MAX_RECORD_BYTES = 4 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;

export class RpcReplyError extends Error {
  constructor(readonly reply: ReplyHeader) {
    super(`rpc reply stat ${reply.replyStat}/${reply.stat}`);
    this.name = "RpcReplyError";
  }
}

interface Pending {
  resolve(r: { header: ReplyHeader; body: XdrReader }): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class RpcClient {
  private nextXid = (Math.random() * 0x7fff_ffff) >>> 0;
  private pending = new Map<number, Pending>();
  private decoder = new RecordDecoder(CLIENT_MAX_RECORD_BYTES);
  private closedError: Error | null = null;

  private constructor(readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      try {
        for (const rec of this.decoder.push(chunk)) this.onRecord(rec);
      } catch (e) {
        socket.destroy(e as Error);
      }
    });
    socket.on("error", (e) => this.failAll(e));
    socket.on("close", () => this.failAll(new Error("connection closed")));
  }

  /** `localAddress`: the source address (127.0.0.2 plays a second client host in tests). */
  static connect(
    port: number,
    host = "127.0.0.1",
    timeoutMs = DEFAULT_TIMEOUT_MS,
    localAddress?: string,
  ): Promise<RpcClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host, ...(localAddress === undefined ? {} : { localAddress }) });
      const timer = setTimeout(() => s.destroy(new Error("connect timeout")), timeoutMs);
      s.once("connect", () => {
        clearTimeout(timer);
        s.setNoDelay(true);
        resolve(new RpcClient(s));
      });
      s.once("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  get closed(): boolean {
    return this.closedError !== null;
  }

  private onRecord(rec: Buffer): void {
    const r = new XdrReader(rec);
    const header = decodeReplyHeader(r);
    const p = this.pending.get(header.xid);
    if (p === undefined) return;
    this.pending.delete(header.xid);
    clearTimeout(p.timer);
    p.resolve({ header, body: r });
  }

  private failAll(e: Error): void {
    this.closedError ??= e;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(e);
    }
    this.pending.clear();
  }

  /** Sends raw bytes (tests of garbage input). */
  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Calls and returns the reply header and a reader at the results, whatever the status. */
  callRaw(
    prog: number,
    vers: number,
    proc: number,
    args: (w: XdrWriter) => void,
    auth?: AuthSys,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<{ header: ReplyHeader; body: XdrReader }> {
    if (this.closedError) return Promise.reject(this.closedError);
    this.nextXid = (this.nextXid + 1) >>> 0;
    const xid = this.nextXid;
    const w = encodeCall(new XdrWriter(), { xid, prog, vers, proc, auth });
    args(w);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(xid);
        reject(new Error(`rpc ${prog}/${vers}/${proc} timed out`));
      }, timeoutMs);
      this.pending.set(xid, { resolve, reject, timer });
      this.socket.write(encodeRecord(w.toBuffer()));
    });
  }

  /** Calls and returns a reader at the results; throws RpcReplyError unless accepted SUCCESS. */
  async call(
    prog: number,
    vers: number,
    proc: number,
    args: (w: XdrWriter) => void,
    auth?: AuthSys,
  ): Promise<XdrReader> {
    const { header, body } = await this.callRaw(prog, vers, proc, args, auth);
    if (header.replyStat !== 0 || header.stat !== SUCCESS) throw new RpcReplyError(header);
    return body;
  }

  close(): void {
    this.socket.destroy();
  }
}
