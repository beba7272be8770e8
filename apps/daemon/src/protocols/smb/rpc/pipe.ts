/**
 * One open of an RPC named pipe ([MS-SMB2] §3.3.5.9 named-pipe opens, [C706] §12): bytes the
 * client writes are cut into PDUs, a BIND negotiates the presentation context, REQUEST fragments
 * are reassembled and the call answered, and every reply PDU waits in the outbox as one message
 * of a message-mode pipe ([MS-FSCC] §2.3.53 FSCTL_PIPE_TRANSCEIVE reads one message).
 */
import * as R from "./dcerpc.ts";
import { NdrError } from "./ndr.ts";

/** An RPC interface served on a pipe: its abstract syntax and the call dispatcher. */
export interface RpcInterface {
  /** The endpoint name the BIND_ACK reports (`\PIPE\srvsvc`). */
  endpoint: string;
  syntax: Buffer;
  /** The response stub; throws RpcFault or NdrError. */
  call(opnum: number, stub: Buffer): Buffer;
}

/** A call the interface refuses with a FAULT PDU carrying `status`. */
export class RpcFault extends Error {
  constructor(readonly status: number) {
    super(`rpc fault 0x${status.toString(16)}`);
    this.name = "RpcFault";
  }
}

/** Largest fragment either side may send; Samba and Windows use 4280 (and accept up to 65535). */
export const MAX_FRAG_BYTES = 4280;
/** A request's stub (all fragments) larger than this is refused. */
export const MAX_REQUEST_STUB_BYTES = 64 * 1024;
/** Reply bytes waiting to be read before the pipe refuses more writes. */
export const MAX_OUTBOX_BYTES = 1024 * 1024;
/** Written bytes of an unfinished PDU kept before the pipe refuses more. */
const MAX_INBOX_BYTES = 64 * 1024;
/** [C706] §12.6.4.5 reject reason: protocol_version_not_supported. */
const NAK_VERSION = 4;
const ASSOC_GROUP = 0x53f0;

/** Writing to a pipe whose buffers are full, or bytes that are not DCE/RPC. */
export class PipeError extends Error {
  override name = "PipeError";
}

interface PendingCall {
  callId: number;
  contextId: number;
  opnum: number;
  parts: Buffer[];
  bytes: number;
}

export class RpcPipe {
  private inbox: Buffer = Buffer.alloc(0);
  private readonly outbox: Buffer[] = [];
  private outboxBytes = 0;
  private readonly contexts = new Set<number>();
  private xmitFrag = MAX_FRAG_BYTES;
  private pending: PendingCall | null = null;

  constructor(readonly iface: RpcInterface) {}

  /** Bytes this pipe holds: an unfinished PDU, a call's fragments so far, unread replies. */
  get heldBytes(): number {
    return this.inbox.length + (this.pending?.bytes ?? 0) + this.outboxBytes;
  }

  /** Whether a reply message waits to be read. */
  get readable(): boolean {
    return this.outbox.length > 0;
  }

  /** Feeds written bytes; every complete PDU is handled at once. */
  write(data: Buffer): void {
    if (this.inbox.length + data.length > MAX_INBOX_BYTES) throw new PipeError("pipe input full");
    if (this.outboxBytes > MAX_OUTBOX_BYTES) throw new PipeError("pipe output not read");
    this.inbox = this.inbox.length ? Buffer.concat([this.inbox, data]) : data;
    for (;;) {
      const h = R.decodeHeader(this.inbox);
      if (!h) {
        if (this.inbox.length >= R.COMMON_HEADER_BYTES) {
          this.inbox = Buffer.alloc(0);
          throw new PipeError("not a DCE/RPC PDU");
        }
        return;
      }
      if (this.inbox.length < h.fragLength) return;
      const pdu = this.inbox.subarray(0, h.fragLength);
      this.inbox = this.inbox.subarray(h.fragLength);
      this.handle(h, Buffer.from(pdu));
    }
  }

  /**
   * Up to `max` bytes of the oldest reply message and whether any of that message is left
   * (the caller answers STATUS_BUFFER_OVERFLOW then); null when nothing waits.
   */
  read(max: number): { data: Buffer; more: boolean } | null {
    const head = this.outbox[0];
    if (!head) return null;
    if (head.length <= max) {
      this.outbox.shift();
      this.outboxBytes -= head.length;
      return { data: head, more: false };
    }
    this.outbox[0] = head.subarray(max);
    this.outboxBytes -= max;
    return { data: head.subarray(0, max), more: true };
  }

  private send(...pdus: Buffer[]): void {
    for (const p of pdus) {
      this.outbox.push(p);
      this.outboxBytes += p.length;
    }
  }

  private handle(h: R.PduHeader, pdu: Buffer): void {
    try {
      if (h.ptype === R.PTYPE.BIND || h.ptype === R.PTYPE.ALTER_CONTEXT) this.bind(h, pdu);
      else if (h.ptype === R.PTYPE.REQUEST) this.request(h, pdu);
      else this.send(R.encodeFault(h.callId, 0, R.NCA_S_PROTO_ERROR));
    } catch (e) {
      if (!(e instanceof Error) || e instanceof PipeError) throw e;
      this.pending = null;
      this.send(R.encodeFault(h.callId, 0, R.NCA_S_PROTO_ERROR));
    }
  }

  private bind(h: R.PduHeader, pdu: Buffer): void {
    const bind = R.decodeBind(pdu);
    if (h.ptype === R.PTYPE.BIND && h.authLength !== 0) {
      this.send(R.encodeBindNak(h.callId, NAK_VERSION));
      return;
    }
    const results = bind.contexts.map((c) => R.contextResult(c, this.iface.syntax));
    bind.contexts.forEach((c, i) => {
      if (R.isAccepted(results[i]!)) this.contexts.add(c.id);
    });
    if (h.ptype === R.PTYPE.BIND) {
      this.xmitFrag = Math.max(R.REQUEST_HEADER_BYTES + 8, Math.min(bind.maxRecvFrag, MAX_FRAG_BYTES));
    }
    const frags = { xmit: this.xmitFrag, recv: Math.min(bind.maxXmitFrag, MAX_FRAG_BYTES) };
    const isBind = h.ptype === R.PTYPE.BIND;
    const ptype = isBind ? R.PTYPE.BIND_ACK : R.PTYPE.ALTER_CONTEXT_RESP;
    this.send(
      R.encodeBindAck(ptype, h.callId, frags, ASSOC_GROUP, isBind ? this.iface.endpoint : "", results),
    );
  }

  private request(h: R.PduHeader, pdu: Buffer): void {
    const body = R.decodeRequest(pdu, h.flags);
    if (h.authLength !== 0) {
      this.send(R.encodeFault(h.callId, body.contextId, R.NCA_S_FAULT_ACCESS_DENIED));
      return;
    }
    if (h.flags & R.PFC_FIRST_FRAG) {
      this.pending = { callId: h.callId, contextId: body.contextId, opnum: body.opnum, parts: [], bytes: 0 };
    }
    const call = this.pending;
    if (!call || call.callId !== h.callId) throw new RangeError("fragment of an unknown call");
    call.bytes += body.stub.length;
    if (call.bytes > MAX_REQUEST_STUB_BYTES) throw new RangeError("request stub too large");
    call.parts.push(body.stub);
    if (!(h.flags & R.PFC_LAST_FRAG)) return;
    this.pending = null;
    this.send(...this.answer(call, Buffer.concat(call.parts)));
  }

  private answer(call: PendingCall, stub: Buffer): Buffer[] {
    if (!this.contexts.has(call.contextId)) {
      return [R.encodeFault(call.callId, call.contextId, R.NCA_S_UNKNOWN_IF)];
    }
    try {
      const out = this.iface.call(call.opnum, stub);
      return R.encodeResponse(call.callId, call.contextId, out, this.xmitFrag);
    } catch (e) {
      if (e instanceof RpcFault) return [R.encodeFault(call.callId, call.contextId, e.status)];
      if (e instanceof NdrError) return [R.encodeFault(call.callId, call.contextId, R.NCA_S_FAULT_NDR)];
      throw e;
    }
  }
}
