import { createServer } from "node:net";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { IPPROTO_TCP, PMAP_V2, PMAPPROC_SET } from "../portmap/program.ts";
import { RpcClient } from "../rpc/client.ts";
import { NLM_PROGRAM, PMAP_PROGRAM } from "../rpc/constants.ts";
import { RpcDispatcher } from "../rpc/dispatcher.ts";
import { defineProcedure, procedureTable } from "../rpc/program.ts";
import { RpcServer } from "../rpc/server.ts";
import { uniq, useHarness } from "../testing/fixtures.ts";
import { makeFile } from "../testing/harness.ts";
import type { XdrReader } from "../xdr/reader.ts";
import type { XdrWriter } from "../xdr/writer.ts";
import * as n from "./constants.ts";
import { decodeNlm4Lock, encodeNlm4Lock, type Nlm4Lock } from "./types.ts";

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

const pmapPort = await freePort();
const h = useHarness({
  settings: { portmapper: true, portmapperPort: pmapPort, nlmCallbackPortmapPort: pmapPort },
});

const lock = (fh: Buffer, host: string, svid: number, offset: bigint, len: bigint): Nlm4Lock => ({
  callerName: host,
  fh,
  oh: Buffer.from(`${svid}@${host}`),
  svid,
  offset,
  len,
});

async function nlm(proc: number, args: (w: XdrWriter) => void, uid?: number): Promise<XdrReader> {
  const auth = uid === undefined ? h().client.auth : h().client.as(uid, uid).auth;
  return h().client.rpc.call(NLM_PROGRAM, n.NLM_V4, proc, args, auth);
}

async function doLock(l: Nlm4Lock, exclusive: boolean, block: boolean, uid?: number): Promise<number> {
  const r = await nlm(
    n.NLMPROC4_LOCK,
    (w) => {
      w.opaque(Buffer.from("ck")).bool(block).bool(exclusive);
      encodeNlm4Lock(w, l);
      w.bool(false).int32(1);
    },
    uid,
  );
  expect(r.opaque(64).toString()).toBe("ck");
  return r.uint32();
}

async function test(l: Nlm4Lock, exclusive: boolean) {
  const r = await nlm(n.NLMPROC4_TEST, (w) => {
    w.opaque(Buffer.from("t")).bool(exclusive);
    encodeNlm4Lock(w, l);
  });
  r.opaque(64);
  const stat = r.uint32();
  if (stat !== n.NLM4_DENIED) return { stat };
  return {
    stat,
    exclusive: r.bool(),
    svid: r.int32(),
    oh: r.opaque(1024),
    offset: r.uint64(),
    len: r.uint64(),
  };
}

async function unlock(l: Nlm4Lock, uid?: number): Promise<number> {
  const r = await nlm(
    n.NLMPROC4_UNLOCK,
    (w) => {
      w.opaque(Buffer.from("u"));
      encodeNlm4Lock(w, l);
    },
    uid,
  );
  r.opaque(64);
  return r.uint32();
}

describe("NLM v4", () => {
  it("TEST reports the conflicting holder; LOCK without block is DENIED; UNLOCK frees", async () => {
    const { client, root } = h();
    const fh = await makeFile(client, root, uniq());
    const a = lock(fh, "hostA", 11, 0n, 100n);
    const b = lock(fh, "hostB", 22, 50n, 10n);
    expect((await test(a, true)).stat).toBe(n.NLM4_GRANTED);
    expect(await doLock(a, true, false)).toBe(n.NLM4_GRANTED);
    expect(await test(b, false)).toMatchObject({
      stat: n.NLM4_DENIED,
      exclusive: true,
      svid: 11,
      offset: 0n,
      len: 100n,
    });
    expect(await doLock(b, false, false)).toBe(n.NLM4_DENIED);
    expect(await doLock(lock(fh, "hostB", 22, 100n, 10n), true, false)).toBe(n.NLM4_GRANTED);
    expect(await unlock(a)).toBe(n.NLM4_GRANTED);
    expect(await doLock(b, true, false)).toBe(n.NLM4_GRANTED);
  });

  it("shared locks coexist; an exclusive one conflicts with them", async () => {
    const { client, root } = h();
    const fh = await makeFile(client, root, uniq());
    expect(await doLock(lock(fh, "h1", 1, 0n, 0n), false, false)).toBe(n.NLM4_GRANTED);
    expect(await doLock(lock(fh, "h2", 2, 0n, 0n), false, false)).toBe(n.NLM4_GRANTED);
    expect(await doLock(lock(fh, "h3", 3, 10n, 1n), true, false)).toBe(n.NLM4_DENIED);
  });

  it("a blocked LOCK is granted after UNLOCK and the client gets a GRANTED callback", async () => {
    const { client, root } = h();
    const fh = await makeFile(client, root, uniq());
    const granted: Nlm4Lock[] = [];
    const logger = pino({ level: "silent" });
    const cbTable = procedureTable([
      defineProcedure<{ lock: Nlm4Lock }, null>({
        proc: n.NLMPROC4_GRANTED,
        name: "GRANTED",
        mutates: false,
        idempotent: true,
        needsExport: false,
        decode: (r) => {
          r.opaque(1024);
          r.bool();
          return { lock: decodeNlm4Lock(r) };
        },
        handle: async (_c, a) => {
          granted.push(a.lock);
          return null;
        },
        encode: (w) => w.opaque(Buffer.alloc(0)).uint32(n.NLM4_GRANTED),
      }),
    ]);
    const prog = {
      prog: NLM_PROGRAM,
      name: "nlm-cb",
      lowVersion: 4,
      highVersion: 4,
      procedures: () => cbTable,
    };
    const cb = new RpcServer(new RpcDispatcher([prog], { logger }), { host: "127.0.0.1", port: 0, logger });
    await cb.listen();
    const pmap = await RpcClient.connect(pmapPort);
    // The test client's NLM callback service replaces the server's own NLM entry in this portmapper.
    await pmap.call(PMAP_PROGRAM, PMAP_V2, 2, (w) => w.uint32(NLM_PROGRAM).uint32(4).uint32(0).uint32(0));
    const set = await pmap.call(PMAP_PROGRAM, PMAP_V2, PMAPPROC_SET, (w) =>
      w.uint32(NLM_PROGRAM).uint32(4).uint32(IPPROTO_TCP).uint32(cb.port),
    );
    expect(set.bool()).toBe(true);
    const holder = lock(fh, "holder", 5, 0n, 0n);
    const waiter = lock(fh, "waiter", 6, 0n, 10n);
    expect(await doLock(holder, true, false)).toBe(n.NLM4_GRANTED);
    expect(await doLock(waiter, true, true)).toBe(n.NLM4_BLOCKED);
    expect(await doLock(waiter, true, true)).toBe(n.NLM4_BLOCKED);
    expect(await unlock(holder)).toBe(n.NLM4_GRANTED);
    for (let i = 0; i < 200 && granted.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(granted).toHaveLength(1);
    expect(granted[0]).toMatchObject({ callerName: "waiter", svid: 6, len: 10n });
    expect((await test(lock(fh, "other", 7, 5n, 1n), false)).stat).toBe(n.NLM4_DENIED);
    pmap.close();
    await cb.close();
  });

  it("CANCEL withdraws a blocked request; FREE_ALL drops a host's locks", async () => {
    const { client, root } = h();
    const fh = await makeFile(client, root, uniq());
    const holder = lock(fh, "crashy", 1, 0n, 0n);
    const waiter = lock(fh, "patient", 2, 0n, 0n);
    expect(await doLock(holder, true, false)).toBe(n.NLM4_GRANTED);
    expect(await doLock(waiter, true, true)).toBe(n.NLM4_BLOCKED);
    const c = await nlm(n.NLMPROC4_CANCEL, (w) => {
      w.opaque(Buffer.from("c")).bool(true).bool(true);
      encodeNlm4Lock(w, waiter);
    });
    c.opaque(64);
    expect(c.uint32()).toBe(n.NLM4_GRANTED);
    await nlm(n.NLMPROC4_FREE_ALL, (w) => w.string("crashy").int32(0));
    expect((await test(waiter, true)).stat).toBe(n.NLM4_GRANTED);
  });

  it("FREE_ALL from another host leaves the locks this host took under the same name", async () => {
    const { client, root, port } = h();
    const fh = await makeFile(client, root, uniq());
    const held = lock(fh, "samename", 1, 0n, 0n);
    expect(await doLock(held, true, false)).toBe(n.NLM4_GRANTED);
    // A second host (127.0.0.2) claims to be "samename" rebooting: only its own locks may go.
    const other = await RpcClient.connect(port, "127.0.0.1", undefined, "127.0.0.2");
    try {
      await other.call(
        NLM_PROGRAM,
        n.NLM_V4,
        n.NLMPROC4_FREE_ALL,
        (w) => w.string("samename").int32(0),
        client.auth,
      );
    } finally {
      other.close();
    }
    expect((await test(lock(fh, "prober", 2, 0n, 0n), true)).stat).toBe(n.NLM4_DENIED);
    await nlm(n.NLMPROC4_FREE_ALL, (w) => w.string("samename").int32(0));
    expect((await test(lock(fh, "prober", 2, 0n, 0n), true)).stat).toBe(n.NLM4_GRANTED);
  });

  it("conflicts with a byte-range lock another protocol (SMB) holds through the file service", async () => {
    const { client, root, ctx } = h();
    const fh = await makeFile(client, root, uniq());
    const f = ctx.files.resolve({ uid: 0, gid: 0, gids: [] }, fh);
    await ctx.files.lock(f, { owner: "smb:session-1:file-9", kind: "exclusive", offset: 100n, length: 50n });
    expect(await test(lock(fh, "nfsclient", 3, 120n, 10n), false)).toMatchObject({
      stat: n.NLM4_DENIED,
      exclusive: true,
      svid: 0,
      offset: 100n,
      len: 50n,
    });
    expect(await doLock(lock(fh, "nfsclient", 3, 0n, 0n), true, false)).toBe(n.NLM4_DENIED);
    expect(await doLock(lock(fh, "nfsclient", 3, 0n, 100n), true, false)).toBe(n.NLM4_GRANTED);
    ctx.files.unlock(f, { owner: "smb:session-1:file-9", offset: 100n, length: 50n });
    expect(await doLock(lock(fh, "nfsclient", 3, 100n, 50n), true, false)).toBe(n.NLM4_GRANTED);
    // And the other way round: an NLM lock blocks the SMB side.
    expect(ctx.files.testLock(f, { owner: "smb:s:f", kind: "shared", offset: 110n, length: 1n })?.owner).toBe(
      "nlm:127.0.0.1/nfsclient:3",
    );
  });

  it("checks the caller: a none grant gets FAILED, a read grant shared locks only, mode bits apply", async () => {
    const { client, root, ctx } = h();
    const identity = ctx.identity;
    const user = (username: string, uid: number) => ({
      username,
      uid,
      gid: uid,
      gids: [],
      role: "user" as const,
      enabled: true,
      ntHash: null,
    });
    identity.addPrincipal(user("nlm-none", 5101), { "/export": "none" });
    identity.addPrincipal(user("nlm-read", 5102), { "/export": "read" });
    identity.addPrincipal(user("nlm-rw", 5103), { "/export": "read-write" });
    const fh = await makeFile(client, root, uniq()); // root's, mode 0644
    expect(await doLock(lock(fh, "c1", 1, 0n, 10n), false, false, 5101)).toBe(n.NLM4_FAILED);
    expect(await doLock(lock(fh, "c2", 2, 0n, 10n), true, false, 5102)).toBe(n.NLM4_FAILED);
    expect(await doLock(lock(fh, "c2", 2, 0n, 10n), false, false, 5102)).toBe(n.NLM4_GRANTED);
    // read-write grant, but the mode bits give this uid no write permission on root's file.
    expect(await doLock(lock(fh, "c3", 3, 20n, 10n), true, false, 5103)).toBe(n.NLM4_FAILED);
    // A none caller cannot release another's lock either.
    expect(await unlock(lock(fh, "c2", 2, 0n, 10n), 5101)).toBe(n.NLM4_FAILED);
    expect((await test(lock(fh, "c9", 9, 0n, 10n), true)).stat).toBe(n.NLM4_DENIED);
  });

  it("answers STALE_FH for an unknown handle", async () => {
    expect(await doLock(lock(Buffer.alloc(21, 0xee), "h", 1, 0n, 0n), true, false)).toBe(n.NLM4_STALE_FH);
  });
});
