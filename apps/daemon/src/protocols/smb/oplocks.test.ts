import { afterEach, describe, expect, it, vi } from "vitest";
import {
  SMB2_LEASE_HANDLE_CACHING as H,
  SMB2_LEASE_READ_CACHING as R,
  SMB2_LEASE_WRITE_CACHING as W,
} from "./leases.ts";
import { acknowledge, OPLOCK_BREAK_TIMEOUT_MS, requestBreak } from "./oplocks.ts";
import type { CacheHolder, FileState, Open, SmbServerState } from "./state.ts";

const quiet = { debug() {}, warn() {} };
const server = { ctx: { logger: quiet } } as unknown as SmbServerState;

/** A V2 lease holding `state` on one connected open; the break notifications it is sent. */
function lease(state: number) {
  const sent: Buffer[] = [];
  const open = {
    conn: { isClosed: false, sendBreakNotification: (b: Buffer) => sent.push(b) },
    session: { encryptData: false },
    tree: { encryptData: false },
    durable: null,
  } as unknown as Open;
  const file = { handleKey: "f", holders: new Set() } as unknown as FileState;
  const lease = { id: "l", key: Buffer.alloc(16, 1), version: 2 as const, epoch: 1, parentKey: null };
  const h: CacheHolder = { file, lease, state, opens: new Set([open]), breaking: null };
  file.holders.add(h);
  /** [epoch, from, to, ack required] of each notification (§2.2.23.2). */
  const notes = () =>
    sent.map((b) => [
      b.readUInt16LE(2),
      b.readUInt32LE(24),
      b.readUInt32LE(28),
      (b.readUInt32LE(4) & 1) === 1,
    ]);
  return { h, notes };
}

describe("lease breaks (oplocks.ts)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("lowers what a break in progress requires without a second notification, then breaks on in steps", () => {
    const { h, notes } = lease(R | W | H);
    requestBreak(server, h, R | H);
    requestBreak(server, h, 0);
    expect(notes()).toEqual([[2, R | W | H, R | H, true]]);
    // The ack keeps RH where none is required: RH -> R with an ack, at the same epoch.
    acknowledge(server, h, R | H);
    expect(h.state).toBe(R | H);
    expect(h.breaking?.to).toBe(R);
    // From R alone the lease goes to none at once, no ack asked.
    acknowledge(server, h, R);
    expect(notes().slice(1)).toEqual([
      [2, R | H, R, true],
      [2, R, 0, false],
    ]);
    expect([h.state, h.breaking]).toEqual([0, null]);
  });

  it("ends an unacknowledged break at none when its timer expires (§3.3.2.5; smb2.lease.timeout)", async () => {
    vi.useFakeTimers();
    const { h } = lease(R | W | H);
    requestBreak(server, h, R | H);
    const waiting = h.breaking!.done;
    vi.advanceTimersByTime(OPLOCK_BREAK_TIMEOUT_MS);
    await waiting;
    expect([h.state, h.breaking]).toEqual([0, null]);
  });
});
