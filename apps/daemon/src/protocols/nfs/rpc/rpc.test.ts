/**
 * In-process transport tests of the RPC layer: a real TCP server and client on 127.0.0.1 with a
 * small test program, covering every reply error of RFC 5531 §9, the duplicate request cache,
 * concurrency on one connection and garbage input.
 */
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { XdrWriter } from "../xdr/writer.ts";
import { RpcClient } from "./client.ts";
import * as c from "./constants.ts";
import { RpcDispatcher } from "./dispatcher.ts";
import { encodeCall } from "./message.ts";
import { defineProcedure, procedureTable, type RpcProgram } from "./program.ts";
import { encodeRecord } from "./record-marking.ts";
import { RpcServer } from "./server.ts";

const TEST_PROG = 0x2000_0001;
const AUTH = { stamp: 1, machineName: "test", uid: 1000, gid: 100, gids: [100, 200] };

let executions = 0;
const program: RpcProgram = {
  prog: TEST_PROG,
  name: "test",
  lowVersion: 2,
  highVersion: 3,
  procedures: (v) =>
    v === 3
      ? procedureTable([
          defineProcedure<Buffer, Buffer>({
            proc: 1,
            name: "ECHO",
            mutates: false,
            idempotent: true,
            needsExport: false,
            decode: (r) => r.opaque(1 << 20),
            handle: async (_call, b) => b,
            encode: (w, b) => w.opaqueRef(b),
          }),
          defineProcedure<number, number>({
            proc: 2,
            name: "COUNT",
            mutates: true,
            idempotent: false,
            needsExport: false,
            decode: (r) => r.uint32(),
            handle: async (_call, delay) => {
              await new Promise((res) => setTimeout(res, delay));
              return ++executions;
            },
            encode: (w, n) => w.uint32(n),
          }),
          defineProcedure<number, string>({
            proc: 3,
            name: "WHOAMI",
            mutates: false,
            idempotent: true,
            needsExport: false,
            decode: (r) => r.uint32(),
            handle: async (call, delay) => {
              await new Promise((res) => setTimeout(res, delay));
              return `${call.caller.uid}/${call.caller.gid}/${call.caller.gids.join(",")}`;
            },
            encode: (w, s) => w.string(s),
          }),
          defineProcedure<null, null>({
            proc: 4,
            name: "THROW",
            mutates: false,
            idempotent: true,
            needsExport: false,
            decode: () => null,
            handle: async () => {
              throw new Error("boom");
            },
            encode: () => {},
          }),
        ])
      : undefined,
};

let server: RpcServer;
let client: RpcClient;

beforeAll(async () => {
  const logger = pino({ level: "silent" });
  server = new RpcServer(new RpcDispatcher([program], { logger }), { host: "127.0.0.1", port: 0, logger });
  await server.listen();
  client = await RpcClient.connect(server.port);
});

afterAll(async () => {
  client.close();
  await server.close();
});

describe("RPC replies (RFC 5531 §9)", () => {
  it("runs a call and returns its results (AUTH_SYS identity reaches the handler)", async () => {
    const r = await client.call(TEST_PROG, 3, 3, (w) => w.uint32(0), AUTH);
    expect(r.string(100)).toBe("1000/100/100,200");
  });

  it("treats AUTH_NONE callers as nobody", async () => {
    const r = await client.call(TEST_PROG, 3, 3, (w) => w.uint32(0));
    expect(r.string(100)).toBe("65534/65534/");
  });

  it("answers PROG_UNAVAIL for an unknown program", async () => {
    const { header } = await client.callRaw(0x2000_0999, 1, 0, () => {});
    expect(header).toMatchObject({ replyStat: c.MSG_ACCEPTED, stat: c.PROG_UNAVAIL });
  });

  it("answers PROG_MISMATCH with the supported range", async () => {
    const { header } = await client.callRaw(TEST_PROG, 9, 1, () => {});
    expect(header).toMatchObject({ replyStat: c.MSG_ACCEPTED, stat: c.PROG_MISMATCH, low: 2, high: 3 });
  });

  it("answers PROC_UNAVAIL for an unknown procedure", async () => {
    const { header } = await client.callRaw(TEST_PROG, 3, 77, () => {});
    expect(header).toMatchObject({ replyStat: c.MSG_ACCEPTED, stat: c.PROC_UNAVAIL });
  });

  it("answers GARBAGE_ARGS for truncated arguments", async () => {
    const { header } = await client.callRaw(TEST_PROG, 3, 1, (w) => w.uint32(100).uint32(1));
    expect(header).toMatchObject({ replyStat: c.MSG_ACCEPTED, stat: c.GARBAGE_ARGS });
  });

  it("answers SYSTEM_ERR when a handler fails unexpectedly", async () => {
    const { header } = await client.callRaw(TEST_PROG, 3, 4, () => {});
    expect(header).toMatchObject({ replyStat: c.MSG_ACCEPTED, stat: c.SYSTEM_ERR });
  });

  it("denies unknown auth flavors and malformed AUTH_SYS with AUTH_ERROR/AUTH_BADCRED", async () => {
    const raw = await RpcClient.connect(server.port);
    const replies: Buffer[] = [];
    raw.socket.on("data", (d) => replies.push(d));
    const gss = new XdrWriter().uint32(7).uint32(c.CALL).uint32(2).uint32(TEST_PROG).uint32(3).uint32(1);
    gss.uint32(6).opaque(Buffer.alloc(8)).uint32(0).uint32(0).uint32(0);
    raw.sendRaw(encodeRecord(gss.toBuffer()));
    const bad = new XdrWriter().uint32(8).uint32(c.CALL).uint32(2).uint32(TEST_PROG).uint32(3).uint32(1);
    bad
      .uint32(c.AUTH_SYS)
      .opaque(Buffer.from([0, 0, 0, 1]))
      .uint32(0)
      .uint32(0)
      .uint32(0);
    raw.sendRaw(encodeRecord(bad.toBuffer()));
    await until(() => Buffer.concat(replies).length >= 2 * (4 + 20));
    const all = Buffer.concat(replies);
    for (const [i, xid] of [7, 8].entries()) {
      const rec = all.subarray(i * 24 + 4, i * 24 + 24);
      expect([...u32s(rec)]).toEqual([xid, c.REPLY, c.MSG_DENIED, c.AUTH_ERROR, c.AUTH_BADCRED]);
    }
    raw.close();
  });

  it("answers RPC_MISMATCH for rpcvers other than 2", async () => {
    const raw = await RpcClient.connect(server.port);
    const replies: Buffer[] = [];
    raw.socket.on("data", (d) => replies.push(d));
    const w = new XdrWriter().uint32(9).uint32(c.CALL).uint32(3).uint32(TEST_PROG).uint32(3).uint32(1);
    w.uint32(0).uint32(0).uint32(0).uint32(0);
    raw.sendRaw(encodeRecord(w.toBuffer()));
    await until(() => Buffer.concat(replies).length >= 28);
    const rec = Buffer.concat(replies).subarray(4);
    expect([...u32s(rec)]).toEqual([9, c.REPLY, c.MSG_DENIED, c.RPC_MISMATCH, 2, 2]);
    raw.close();
  });
});

describe("connection behaviour", () => {
  it("keeps many calls in flight and matches replies by xid, out of order", async () => {
    const delays = [200, 0, 30, 5, 45, 10, 0, 20];
    const order: number[] = [];
    const res = await Promise.all(
      delays.map((d) =>
        client
          .call(TEST_PROG, 3, 3, (w) => w.uint32(d), { ...AUTH, uid: d })
          .then((r) => {
            order.push(d);
            return r.string(64);
          }),
      ),
    );
    expect(res).toEqual(delays.map((d) => `${d}/100/100,200`));
    // Executed one at a time, the 200 ms call sent first would also complete first.
    expect(order.at(-1)).toBe(200);
  });

  it("accepts a call split into many fragments and echoes 1 MiB by reference", async () => {
    const data = Buffer.alloc(1 << 20);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
    const r = await client.call(TEST_PROG, 3, 1, (w) => w.opaque(data));
    expect(r.opaque(1 << 20).equals(data)).toBe(true);
  });

  it("replays a non-idempotent call's reply from the duplicate request cache", async () => {
    const s = await rawSocket();
    const call = encodeCall(new XdrWriter(), { xid: 4242, prog: TEST_PROG, vers: 3, proc: 2 }).uint32(30);
    const rec = encodeRecord(call.toBuffer());
    const before = executions;
    s.write(rec);
    s.write(rec); // retransmission while the first is in progress: dropped
    await until(() => executions === before + 1);
    s.write(rec); // retransmission after the reply: the cached reply again
    const got = await readRecords(s, 2);
    expect(got[0]).toEqual(got[1]);
    expect(got[0]!.readUInt32BE(got[0]!.length - 4)).toBe(before + 1);
    expect(executions).toBe(before + 1);
    s.destroy();
  });

  for (const [name, bytes] of [
    ["a record of random bytes", encodeRecord(randomGarbage(256))],
    ["64 KiB of random bytes", Buffer.concat([Buffer.from([0x7f]), randomBytes(65535)])],
    ["a record mark claiming 2 GiB (the 4-byte maximum)", Buffer.from("ffffffff", "hex")],
    ["a truncated call header", encodeRecord(Buffer.from("0000000100000000", "hex"))],
    ["a reply instead of a call", encodeRecord(Buffer.from("000000010000000100000000", "hex"))],
  ] as const) {
    it(`closes the connection on ${name} and keeps serving other clients`, async () => {
      const s = await rawSocket();
      const closed = new Promise<void>((res) => s.on("close", () => res()));
      s.write(bytes);
      await closed;
      const r = await client.call(TEST_PROG, 3, 3, (w) => w.uint32(0), AUTH);
      expect(r.string(100)).toBe("1000/100/100,200");
    });
  }
});

/** Random bytes whose msg_type word is never CALL (0), so the header cannot decode. */
function randomGarbage(n: number): Buffer {
  const b = randomBytes(n);
  b[7] = b[7]! | 1;
  return b;
}

function* u32s(b: Buffer): Generator<number> {
  for (let i = 0; i + 4 <= b.length; i += 4) yield b.readUInt32BE(i);
}

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 5));
  }
}

function rawSocket(): Promise<import("node:net").Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port: server.port, host: "127.0.0.1" }, () => resolve(s));
    s.on("error", reject);
  });
}

async function readRecords(s: import("node:net").Socket, n: number): Promise<Buffer[]> {
  let buf = Buffer.alloc(0);
  s.on("data", (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
  });
  const out: Buffer[] = [];
  await until(() => {
    while (buf.length >= 4) {
      const len = buf.readUInt32BE(0) & 0x7fff_ffff;
      if (buf.length < 4 + len) break;
      out.push(buf.subarray(4, 4 + len));
      buf = buf.subarray(4 + len);
    }
    return out.length >= n;
  });
  return out;
}
