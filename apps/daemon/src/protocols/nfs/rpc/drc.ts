/**
 * Duplicate request cache for non-idempotent procedures (CREATE, REMOVE, RENAME, ...): a client
 * that retransmits after a lost reply must get the original reply, not a second execution that
 * fails with EXIST/NOENT. Keyed by client address and port, xid, program/version/procedure and a
 * checksum of the arguments; bounded, oldest entries evicted first.
 */

export const DEFAULT_DRC_MAX_ENTRIES = 4096;
/** Bytes of the arguments folded into the key: enough to tell different calls apart. */
const ARG_CHECKSUM_BYTES = 128;

export type DrcLookup = { state: "new" } | { state: "in-progress" } | { state: "done"; reply: Buffer[] };

interface Entry {
  reply: Buffer[] | null;
}

export class DuplicateRequestCache {
  private entries = new Map<string, Entry>();
  hits = 0;

  constructor(readonly maxEntries = DEFAULT_DRC_MAX_ENTRIES) {}

  static key(
    address: string,
    port: number,
    xid: number,
    prog: number,
    vers: number,
    proc: number,
    args: Buffer,
  ): string {
    let h = 0x811c9dc5;
    const n = Math.min(args.length, ARG_CHECKSUM_BYTES);
    for (let i = 0; i < n; i++) h = Math.imul(h ^ args[i]!, 0x01000193);
    return `${address}|${port}|${xid}|${prog}|${vers}|${proc}|${args.length}|${h >>> 0}`;
  }

  /** Registers a new call, or reports that it is a retransmission. */
  begin(key: string): DrcLookup {
    const e = this.entries.get(key);
    if (e !== undefined) {
      this.hits++;
      return e.reply === null ? { state: "in-progress" } : { state: "done", reply: e.reply };
    }
    this.entries.set(key, { reply: null });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return { state: "new" };
  }

  finish(key: string, reply: Buffer[]): void {
    const e = this.entries.get(key);
    if (e !== undefined) e.reply = reply;
  }

  /** The call failed before producing a reply: forget it so a retry runs again. */
  abandon(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
