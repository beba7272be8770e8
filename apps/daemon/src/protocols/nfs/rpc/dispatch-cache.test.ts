/**
 * What the dispatcher keeps per connection between calls (ConnectionCalls): the last AUTH_SYS
 * credential decoded once and reused only for identical bytes, and `onCall` run once per
 * connection per ON_CALL_INTERVAL_MS.
 */
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { XdrReader } from "../xdr/reader.ts";
import { XdrWriter } from "../xdr/writer.ts";
import * as c from "./constants.ts";
import { ConnectionCalls, ON_CALL_INTERVAL_MS, type Peer, RpcDispatcher } from "./dispatcher.ts";
import { type AuthSys, CredentialCache, decodeReplyHeader, encodeCall } from "./message.ts";
import { defineProcedure, procedureTable, type RpcProgram } from "./program.ts";

const PROG = 0x2000_0002;
const A: AuthSys = { stamp: 1, machineName: "host-a", uid: 1000, gid: 100, gids: [100, 200] };
const B: AuthSys = { stamp: 1, machineName: "host-a", uid: 1000, gid: 100, gids: [100, 300] };

const program: RpcProgram = {
  prog: PROG,
  name: "test",
  lowVersion: 1,
  highVersion: 1,
  procedures: () =>
    procedureTable([
      defineProcedure<null, string>({
        proc: 1,
        name: "WHOAMI",
        mutates: false,
        idempotent: true,
        needsExport: false,
        decode: () => null,
        handle: async (call) => `${call.caller.uid}/${call.caller.gid}/${call.caller.gids.join(",")}`,
        encode: (w, s) => w.string(s),
      }),
    ]),
};

function record(xid: number, auth?: AuthSys): Buffer {
  return encodeCall(new XdrWriter(), { xid, prog: PROG, vers: 1, proc: 1, auth }).toBuffer();
}

/** A call whose AUTH_SYS body ends inside the machine name (AUTH_BADCRED). */
function malformed(xid: number): Buffer {
  const w = new XdrWriter().uint32(xid).uint32(c.CALL).uint32(2).uint32(PROG).uint32(1).uint32(1);
  return w
    .uint32(c.AUTH_SYS)
    .opaque(Buffer.from([0, 0, 0, 1, 0, 0, 0, 9]))
    .uint32(0)
    .uint32(0)
    .toBuffer();
}

async function whoami(d: RpcDispatcher, rec: Buffer, conn: ConnectionCalls): Promise<string> {
  const reply = await d.dispatch(rec, PEER, conn);
  const r = new XdrReader(Buffer.concat(reply!));
  const h = decodeReplyHeader(r);
  if (h.replyStat !== c.MSG_ACCEPTED) return `denied ${h.stat}/${h.low}`;
  return r.string(100);
}

const PEER: Peer = { address: "127.0.0.1", port: 700 };

afterEach(() => {
  vi.useRealTimers();
});

describe("per-connection credential cache", () => {
  it("each call gets its own credential while one connection switches between them", async () => {
    const d = new RpcDispatcher([program], { logger: pino({ level: "silent" }) });
    const conn = new ConnectionCalls();
    const seen = [];
    for (const [i, rec] of [
      record(1, A),
      record(2, B),
      record(3, A),
      malformed(4),
      record(5, A),
      record(6),
    ].entries())
      seen.push(await whoami(d, rec, conn).then((s) => `${i + 1}:${s}`));
    expect(seen).toEqual([
      "1:1000/100/100,200",
      "2:1000/100/100,300",
      "3:1000/100/100,200",
      `4:denied ${c.AUTH_ERROR}/${c.AUTH_BADCRED}`,
      "5:1000/100/100,200",
      "6:65534/65534/",
    ]);
  });

  it("decodes a credential once and hands out the same frozen credential and caller for equal bytes", () => {
    const body = (a: AuthSys) => {
      const w = new XdrWriter();
      w.uint32(a.stamp).string(a.machineName).uint32(a.uid).uint32(a.gid).uint32(a.gids.length);
      for (const g of a.gids) w.uint32(g);
      return w.toBuffer();
    };
    const cache = new CredentialCache();
    // The same bytes at another offset of another record still match.
    const first = Buffer.concat([Buffer.alloc(8), body(A)]);
    const again = Buffer.concat([Buffer.alloc(12), body(A)]);
    const a1 = cache.decode(first, 8, first.length - 8)!;
    const a2 = cache.decode(again, 12, again.length - 12)!;
    expect(a2).toBe(a1);
    expect(cache.callerOf(a2)).toBe(cache.callerOf(a1));
    expect(Object.isFrozen(a1) && Object.isFrozen(a1.gids) && Object.isFrozen(cache.callerOf(a1))).toBe(true);
    const other = body(B);
    const b = cache.decode(other, 0, other.length)!;
    expect(b).not.toBe(a1);
    expect(b.gids).toEqual([100, 300]);
    expect(cache.callerOf(b)).toEqual({ uid: 1000, gid: 100, gids: [100, 300] });
  });
});

describe("onCall", () => {
  it("runs for a connection's first call, then at most once per ON_CALL_INTERVAL_MS", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: 1_000_000 });
    const calls: string[] = [];
    const d = new RpcDispatcher([program], {
      logger: pino({ level: "silent" }),
      onCall: (p) => calls.push(`${p.address}:${p.port}`),
    });
    const one = new ConnectionCalls();
    for (let i = 0; i < 3; i++) await whoami(d, record(i, A), one);
    expect(calls.length).toBe(1);
    const other = new ConnectionCalls();
    await whoami(d, record(10, A), other);
    expect(calls.length).toBe(2);
    vi.setSystemTime(Date.now() + ON_CALL_INTERVAL_MS - 1);
    await whoami(d, record(11, A), one);
    expect(calls.length).toBe(2);
    vi.setSystemTime(Date.now() + 1);
    await whoami(d, record(12, A), one);
    expect(calls.length).toBe(3);
    // A clock set back does not silence the connection.
    vi.setSystemTime(Date.now() - 60_000);
    await whoami(d, record(13, A), one);
    expect(calls.length).toBe(4);
  });
});
