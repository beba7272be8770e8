/**
 * Failing and aborted SMB requests never take the server down ("malformed or failing requests
 * never crash the server"): smbclient gets of missing files, into unwritable local paths, killed
 * mid-transfer, many failures in a row; raw clients that disconnect with reads, writes, blocking
 * locks and delete-on-close opens in flight. Every uncaught exception and unhandled rejection in
 * the process is recorded while the tests run and must stay empty; afterwards the server still
 * serves a put/get round trip (smb-helpers.ts).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as C from "../../apps/daemon/src/protocols/smb/constants.ts";
import * as S from "../../apps/daemon/src/protocols/smb/ntstatus.ts";
import {
  closeBody,
  createBody,
  fileIdOf,
  lockBody,
  open,
  readBody,
  writeBody,
  writeFile,
} from "../../apps/daemon/src/protocols/smb/testing/bodies.ts";
import {
  ALICE,
  type SmbHarness,
  startSmbHarness,
} from "../../apps/daemon/src/protocols/smb/testing/harness.ts";
import {
  type FileId,
  type SmbResponse,
  SmbTestClient,
} from "../../apps/daemon/src/protocols/smb/testing/smb-client.ts";
import { expectPutGetRoundTrip, killGetMidway, type SmbTarget, smbclient } from "./smb-helpers.ts";

const BIG_BYTES = 32 * 1024 * 1024;
/** READs of 1 MiB a non-reading client sends: far more than the outbound and in-flight limits. */
const SLOW_READS = 320;
const X = C.SMB2_LOCKFLAG_EXCLUSIVE_LOCK;
const NOW = C.SMB2_LOCKFLAG_FAIL_IMMEDIATELY;

const escaped: unknown[] = [];
const onEscape = (e: unknown) => escaped.push(e);

const settle = () => new Promise((r) => setTimeout(r, 200));

describe("SMB server survives failing and aborted requests", () => {
  let h: SmbHarness;
  let dir: string;

  beforeAll(async () => {
    process.on("uncaughtException", onEscape);
    process.on("unhandledRejection", onEscape);
    h = await startSmbHarness({ wal: true });
    dir = mkdtempSync(join(tmpdir(), "smb-robust-"));
    writeFileSync(join(dir, "big.bin"), randomBytes(BIG_BYTES));
    const put = await smbclient(alice(), "put big.bin", dir);
    expect(put.code, put.out).toBe(0);
  });

  afterAll(async () => {
    process.off("uncaughtException", onEscape);
    process.off("unhandledRejection", onEscape);
    await h?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await settle();
    expect(escaped).toEqual([]);
  });

  const alice = (): SmbTarget => ({ port: h.port, user: ALICE.user, password: ALICE.password });
  const stillServes = () => expectPutGetRoundTrip(alice(), dir);

  it("answers a get of a missing file with OBJECT_NAME_NOT_FOUND and keeps serving", async () => {
    const r = await smbclient(alice(), "get no-such-file.bin", dir);
    expect(r.out).toContain("NT_STATUS_OBJECT_NAME_NOT_FOUND");
    await stillServes();
  });

  it("survives a get into an unwritable local path", async () => {
    const r = await smbclient(alice(), "get big.bin /proc/no/such/dir/x", dir);
    expect(r.code).not.toBe(0);
    await stillServes();
  });

  it("survives many failures in a row on one connection and across connections", async () => {
    const cmds = Array.from({ length: 30 }, (_, i) =>
      i % 3 === 0 ? `get missing-${i}` : i % 3 === 1 ? `rm missing-${i}` : `get big.bin /proc/x/${i}`,
    ).join("; ");
    for (let i = 0; i < 3; i++) await smbclient(alice(), cmds, dir);
    await stillServes();
  });

  it("survives smbclient killed in the middle of a get", async () => {
    for (let round = 0; round < 3; round++) {
      await killGetMidway(alice(), "big.bin", join(dir, `partial-${round}.bin`));
    }
    await stillServes();
  });

  it("survives a client that disconnects with reads, writes and a compound in flight", async () => {
    for (let round = 0; round < 5; round++) {
      const c = await SmbTestClient.login(h.port, ALICE.user, ALICE.password);
      const f = await open(c, "big.bin");
      const inflight: Promise<unknown>[] = [];
      for (let i = 0; i < 16; i++) inflight.push(c.send(C.SMB2_READ, readBody(f, BigInt(i) << 20n, 1 << 20)));
      for (let i = 0; i < 8; i++) {
        inflight.push(c.send(C.SMB2_WRITE, writeBody(f, BigInt(BIG_BYTES + i * 65536), randomBytes(65536))));
      }
      inflight.push(
        c.compound([
          { command: C.SMB2_CREATE, body: createBody("missing\\x.bin", { disposition: C.FILE_OPEN }) },
          {
            command: C.SMB2_READ,
            body: readBody({ persistent: ~0n & 0xffffffffffffffffn, volatile: 0xffffffffffffffffn }, 0n, 10),
            flags: C.SMB2_FLAGS_RELATED_OPERATIONS,
          },
          {
            command: C.SMB2_CLOSE,
            body: closeBody({ persistent: 0xffffffffffffffffn, volatile: 0xffffffffffffffffn }),
            flags: C.SMB2_FLAGS_RELATED_OPERATIONS,
          },
        ]),
      );
      c.close();
    }
    await settle();
    await stillServes();
  });

  it("survives a client gone while its blocking lock waits, and frees the waiter", async () => {
    const a = await SmbTestClient.login(h.port, ALICE.user, ALICE.password);
    const fa = await open(a, "big.bin");
    expect(
      (await a.send(C.SMB2_LOCK, lockBody(fa, [{ offset: 0n, length: 10n, flags: X | NOW }]))).status,
    ).toBe(0);
    for (let i = 0; i < 3; i++) {
      const b = await SmbTestClient.login(h.port, ALICE.user, ALICE.password);
      const fb = await open(b, "big.bin");
      void b.send(C.SMB2_LOCK, lockBody(fb, [{ offset: 0n, length: 10n, flags: X }]));
      const until = Date.now() + 2000;
      while (b.interim.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
      expect(b.interim.length).toBe(1);
      b.close();
    }
    await settle();
    // Unlocking wakes no dead waiter; a fresh client then takes the range.
    expect((await a.send(C.SMB2_CLOSE, closeBody(fa))).status).toBe(0);
    const c = await SmbTestClient.login(h.port, ALICE.user, ALICE.password);
    const fc = await open(c, "big.bin");
    expect(
      (await c.send(C.SMB2_LOCK, lockBody(fc, [{ offset: 0n, length: 10n, flags: X | NOW }]))).status,
    ).toBe(0);
    a.close();
    c.close();
  });

  it("survives a delete-on-close file removed by another client before its CLOSE, and a disconnect instead", async () => {
    const a = await SmbTestClient.login(h.port, ALICE.user, ALICE.password);
    const b = await SmbTestClient.login(h.port, ALICE.user, ALICE.password);
    await writeFile(a, "doc-gone.txt", Buffer.from("x"));
    const f = await open(a, "doc-gone.txt", { options: C.FILE_DELETE_ON_CLOSE, access: C.FILE_ALL_ACCESS });
    // Another client renames the file away (share DELETE is granted), so the unlink at CLOSE fails.
    await writeFile(b, "doc-other.txt", Buffer.from("y"));
    const r = await smbclient(alice(), "rename doc-gone.txt doc-moved.txt", dir);
    expect(typeof r.code).toBe("number");
    const closed = await a.send(C.SMB2_CLOSE, closeBody(f));
    expect(closed.header.Command).toBe(C.SMB2_CLOSE);
    const g = await open(a, "doc-other.txt", { options: C.FILE_DELETE_ON_CLOSE, access: C.FILE_ALL_ACCESS });
    expect(g.volatile).toBeGreaterThan(0n);
    a.close();
    b.close();
    await stillServes();
  });

  it("closing one open never releases the locks of another open of the same connection", async () => {
    // FileIds are unique per daemon (durable handles keep theirs across connections), so this test
    // takes a daemon of its own: its first 40 opens get FileIds 1..40.
    const own = await startSmbHarness({ wal: true });
    const a = await SmbTestClient.login(own.port, ALICE.user, ALICE.password);
    const b = await SmbTestClient.login(own.port, ALICE.user, ALICE.password);
    await writeFile(a, "owners.bin", Buffer.alloc(100));
    // Enough opens that one volatile id is a decimal prefix of another (1 and 1x).
    const ids: FileId[] = [];
    for (let i = 0; i < 40; i++) ids.push(await open(a, "owners.bin"));
    const first = ids.find((f) => ids.some((g) => g.volatile / 10n === f.volatile))!;
    const longer = ids.find((g) => g.volatile / 10n === first.volatile)!;
    expect(
      (await a.send(C.SMB2_LOCK, lockBody(first, [{ offset: 0n, length: 1n, flags: X | NOW }]))).status,
    ).toBe(0);
    expect(
      (await a.send(C.SMB2_LOCK, lockBody(longer, [{ offset: 50n, length: 1n, flags: X | NOW }]))).status,
    ).toBe(0);
    expect((await a.send(C.SMB2_CLOSE, closeBody(first))).status).toBe(0);
    const fb = await open(b, "owners.bin");
    expect(
      (await b.send(C.SMB2_LOCK, lockBody(fb, [{ offset: 50n, length: 1n, flags: X | NOW }]))).status,
    ).toBe(S.STATUS_LOCK_NOT_GRANTED);
    a.close();
    b.close();
    await own.stop();
  });

  it("a CREATE finishing after its connection closed leaves no open behind (share mode, handle)", async () => {
    const a = await SmbTestClient.login(h.port, ALICE.user, ALICE.password);
    await writeFile(a, "gate.bin", Buffer.alloc(10));
    const fa = await open(a, "gate.bin");
    expect(
      (await a.send(C.SMB2_LOCK, lockBody(fa, [{ offset: 0n, length: 10n, flags: X | NOW }]))).status,
    ).toBe(0);
    // In a compound a blocking LOCK cannot go async: it waits in place, and the CREATE after it
    // runs only when the LOCK ends, which the disconnect forces (teardown closes the gate open).
    const b = await SmbTestClient.login(h.port, ALICE.user, ALICE.password);
    const fb = await open(b, "gate.bin");
    // Opens closed after the gate's by teardown, with data to commit: teardown is still busy
    // closing them while the CREATE runs.
    for (let i = 0; i < 4; i++) {
      const fw = await open(b, `slow-close-${i}.bin`);
      await b.send(C.SMB2_WRITE, writeBody(fw, 0n, randomBytes(1 << 20)));
    }
    void b.compound([
      { command: C.SMB2_LOCK, body: lockBody(fb, [{ offset: 0n, length: 10n, flags: X }]) },
      {
        command: C.SMB2_CREATE,
        body: createBody("late-excl.txt", { share: 0, disposition: C.FILE_OPEN_IF }),
      },
    ]);
    await settle();
    b.close();
    await settle();
    const r = await a.send(
      C.SMB2_CREATE,
      createBody("late-excl.txt", { share: 0, disposition: C.FILE_OPEN_IF }),
    );
    expect(r.status).toBe(0);
    await a.send(C.SMB2_CLOSE, closeBody(fileIdOf(r)));
    a.close();
  });

  it("stops working for a client that does not read its replies, and resumes when it reads", async () => {
    const c = await SmbTestClient.login(h.port, ALICE.user, ALICE.password);
    const f = await open(c, "big.bin");
    const socket = (c as unknown as { socket: Socket }).socket;
    socket.pause();
    const before = h.ctx.metrics.ops.get("smb.READ")?.ok ?? 0;
    const reads: Promise<SmbResponse>[] = [];
    for (let i = 0; i < SLOW_READS; i++) {
      reads.push(c.send(C.SMB2_READ, readBody(f, BigInt(i % 32) << 20n, 1 << 20)));
    }
    await new Promise((r) => setTimeout(r, 1000));
    // Without backpressure every READ runs and its MiB waits in the server's socket buffer.
    const served = (h.ctx.metrics.ops.get("smb.READ")?.ok ?? 0) - before;
    expect(served).toBeLessThan(SLOW_READS);
    socket.resume();
    const all = await Promise.all(reads);
    expect(all.every((r) => r.status === 0 && r.body.readUInt32LE(4) === 1 << 20)).toBe(true);
    c.close();
  });
});
