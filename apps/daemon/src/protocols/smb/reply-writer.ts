/**
 * One writer per SMB connection: chains responses into one frame (§3.3.4.1.3: 8-byte aligned,
 * NextCommand set), signs each (or seals the chain, §3.3.4.1.4), writes under one cork. Reply bytes count against the global
 * buffer budget from the moment they are handed to the socket until it wrote them, so clients
 * that stop reading hold budget, not unbounded memory (the intake pauses them on
 * `writableLength` as well).
 */
import type { Socket } from "node:net";
import { releaseAll } from "../../domain/buffer-pool.ts";
import type { ByteBudget } from "../transport/budget.ts";
import { type SigningKey, signMessage } from "./auth/signing.ts";
import { transportHeader } from "./framing.ts";

/** Encrypts a chain: returns [TRANSFORM_HEADER, ciphertext] (auth/encryption.ts SessionCipher). */
export type Sealer = (parts: readonly Buffer[]) => [Buffer, Buffer];

export interface OutMessage {
  parts: Buffer[];
  signKey: SigningKey | null;
  /** Receive-pool memory `parts` point into (Reply.held): let go when written or dropped. */
  held?: readonly Buffer[];
}

/** Lets go of what the messages hold (a chain that will not be written: `dropped`, or copied). */
export function dropHeld(out: readonly OutMessage[]): void {
  for (const m of out) if (m.held !== undefined) releaseAll(m.held);
}

/** Everything the messages hold, in one list (undefined: none). */
function heldOf(out: readonly OutMessage[]): Buffer[] | undefined {
  let all: Buffer[] | undefined;
  for (const m of out) {
    if (m.held === undefined || m.held.length === 0) continue;
    if (all === undefined) all = [];
    all.push(...m.held);
  }
  return all;
}

export class ReplyWriter {
  /** Reply bytes handed to the socket and not yet written (reserved from the budget). */
  private outReserved = 0;
  lastWriteAt = performance.now();

  constructor(
    private readonly socket: Socket,
    private readonly budget: ByteBudget,
  ) {}

  get pendingBytes(): number {
    return this.outReserved;
  }

  /** The connection closed: whatever was not written goes back to the budget. */
  releaseAll(): void {
    this.budget.release(this.outReserved);
    this.outReserved = 0;
  }

  /**
   * Chains responses, signs each with its key's algorithm (or seals the chain), writes one frame.
   * `compound`: the replies answer a compound request, so the last one is padded to 8 bytes too,
   * as Windows and Samba pad it (smbtorture smb2.compound.compound-padding); a lone reply is not.
   */
  sendChain(out: OutMessage[], seal: Sealer | null = null, compound = false): void {
    const frameParts: Buffer[] = [];
    let total = 0;
    for (let i = 0; i < out.length; i++) {
      const m = out[i]!;
      let len = m.parts.reduce((n, p) => n + p.length, 0);
      const chained = i < out.length - 1;
      if (chained || compound) {
        const pad = (8 - (len % 8)) % 8;
        if (pad) m.parts.push(Buffer.alloc(pad));
        len += pad;
      }
      if (chained) m.parts[0]!.writeUInt32LE(len, 20);
      if (m.signKey && !seal) signMessage(m.signKey, m.parts);
      frameParts.push(...m.parts);
      total += len;
    }
    if (seal) {
      const [header, ciphertext] = seal(frameParts);
      // Encrypted into a new buffer: nothing reads the views any more.
      dropHeld(out);
      this.write([transportHeader(header.length + ciphertext.length), header, ciphertext]);
      return;
    }
    this.write([transportHeader(total), ...frameParts], heldOf(out));
  }

  /**
   * `held`: receive-pool memory `parts` point into, let go in the callback of the last write,
   * which Node calls once the write completed (the kernel copied the bytes) or failed, or the
   * socket was destroyed before or while writing it (a write libuv had started is cancelled
   * first). Never earlier: the memory is reused then. A destroyed socket writes nothing: at once.
   */
  write(parts: Buffer[], held?: readonly Buffer[]): void {
    if (this.socket.destroyed) {
      if (held !== undefined) releaseAll(held);
      return;
    }
    let total = 0;
    for (const p of parts) total += p.length;
    this.budget.force(total);
    this.outReserved += total;
    this.lastWriteAt = performance.now();
    this.socket.cork();
    // One callback for every write: a closure per reply is an Object.defineProperty under tsx.
    const last = held === undefined ? this.written : this.writtenHolding(held);
    for (let i = 0; i < parts.length; i++) {
      this.socket.write(parts[i]!, i === parts.length - 1 ? last : undefined);
    }
    this.socket.uncork();
    // Usually the kernel took every byte during the writev: they go back to the budget now.
    this.settleWritten();
  }

  private readonly written = (): void => this.settleWritten();

  private writtenHolding(held: readonly Buffer[]): () => void {
    return () => {
      releaseAll(held);
      this.settleWritten();
    };
  }

  /** Gives back the reply bytes that left the process: all but those still queued in the socket. */
  private settleWritten(): void {
    const held = this.socket.writableLength;
    if (this.outReserved <= held) return;
    this.budget.release(this.outReserved - held);
    this.outReserved = held;
  }
}
