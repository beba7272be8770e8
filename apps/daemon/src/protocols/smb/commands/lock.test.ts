import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import * as S from "../ntstatus.ts";
import { cancelFrame, closeBody, lockBody, open, readBody, writeBody, writeFile } from "../testing/bodies.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import type { FileId, SmbTestClient } from "../testing/smb-client.ts";

const X = C.SMB2_LOCKFLAG_EXCLUSIVE_LOCK;
const NOW = C.SMB2_LOCKFLAG_FAIL_IMMEDIATELY;
const U = C.SMB2_LOCKFLAG_UNLOCK;
const SH = C.SMB2_LOCKFLAG_SHARED_LOCK;

describe("LOCK", () => {
  const smb = useSmbHarness();
  let a: SmbTestClient;
  let b: SmbTestClient;
  beforeAll(async () => {
    const setup = await smb.login();
    await writeFile(setup, "l.bin", Buffer.alloc(1000));
  });
  beforeEach(async () => {
    a = await smb.login();
    b = await smb.login();
  });

  it("conflicts between opens, blocks I/O in the range, and unlocks exactly", async () => {
    const fa = await open(a, "l.bin");
    const fb = await open(b, "l.bin");
    expect(
      (await a.send(C.SMB2_LOCK, lockBody(fa, [{ offset: 0n, length: 100n, flags: X | NOW }]))).status,
    ).toBe(0);
    expect(
      (await b.send(C.SMB2_LOCK, lockBody(fb, [{ offset: 50n, length: 10n, flags: X | NOW }]))).status,
    ).toBe(S.STATUS_LOCK_NOT_GRANTED);
    expect((await b.send(C.SMB2_WRITE, writeBody(fb, 10n, Buffer.from("x")))).status).toBe(
      S.STATUS_FILE_LOCK_CONFLICT,
    );
    expect((await b.send(C.SMB2_READ, readBody(fb, 10n, 5))).status).toBe(S.STATUS_FILE_LOCK_CONFLICT);
    expect((await a.send(C.SMB2_WRITE, writeBody(fa, 10n, Buffer.from("x")))).status).toBe(0);
    expect((await a.send(C.SMB2_LOCK, lockBody(fa, [{ offset: 0n, length: 99n, flags: U }]))).status).toBe(
      S.STATUS_RANGE_NOT_LOCKED,
    );
    expect((await a.send(C.SMB2_LOCK, lockBody(fa, [{ offset: 0n, length: 100n, flags: U }]))).status).toBe(
      0,
    );
    expect(
      (await b.send(C.SMB2_LOCK, lockBody(fb, [{ offset: 50n, length: 10n, flags: X | NOW }]))).status,
    ).toBe(0);
    expect((await b.send(C.SMB2_LOCK, lockBody(fb, [{ offset: 50n, length: 10n, flags: U }]))).status).toBe(
      0,
    );
  });

  it("conflicts with a lock taken through the file service's locks (as NLM and NFSv4 do)", async () => {
    const fa = await open(a, "l.bin");
    const root = { uid: 0, gid: 0, gids: [] };
    const handle = (await smb.h.metadata.lookup(root, smb.h.metadata.rootHandle("/export"), "l.bin")).handle;
    const files = smb.h.ctx.files;
    const f = files.resolve(root, handle);
    await files.lock(f, { owner: "nlm:host:1", kind: "exclusive", offset: 200n, length: 10n });
    expect(
      (await a.send(C.SMB2_LOCK, lockBody(fa, [{ offset: 205n, length: 1n, flags: X | NOW }]))).status,
    ).toBe(S.STATUS_LOCK_NOT_GRANTED);
    files.unlock(f, { owner: "nlm:host:1", offset: 200n, length: 10n });
    expect(
      (await a.send(C.SMB2_LOCK, lockBody(fa, [{ offset: 205n, length: 1n, flags: X | NOW }]))).status,
    ).toBe(0);
    // And the SMB lock is visible to NLM TEST.
    expect(
      files.testLock(f, { owner: "nlm:host:2", kind: "shared", offset: 205n, length: 1n }),
    ).not.toBeNull();
  });

  it("a blocking lock goes async (STATUS_PENDING) and completes on unlock; CANCEL ends another", async () => {
    const fa = await open(a, "l.bin");
    const fb = await open(b, "l.bin");
    await a.send(C.SMB2_LOCK, lockBody(fa, [{ offset: 500n, length: 10n, flags: X | NOW }]));
    const waiting = b.send(C.SMB2_LOCK, lockBody(fb, [{ offset: 500n, length: 10n, flags: X }]));
    await new Promise((r) => setTimeout(r, 100));
    expect(b.interim.some((r) => r.header.Command === C.SMB2_LOCK)).toBe(true);
    await a.send(C.SMB2_LOCK, lockBody(fa, [{ offset: 500n, length: 10n, flags: U }]));
    const done = await waiting;
    expect(done.status).toBe(0);
    expect(done.header.Flags & C.SMB2_FLAGS_ASYNC_COMMAND).toBe(C.SMB2_FLAGS_ASYNC_COMMAND);

    const blocked = a.send(C.SMB2_LOCK, lockBody(fa, [{ offset: 500n, length: 10n, flags: X }]));
    await new Promise((r) => setTimeout(r, 100));
    const interim = a.interim.at(-1)!;
    a.raw(cancelFrame(interim.header.AsyncId));
    expect((await blocked).status).toBe(S.STATUS_CANCELLED);

    // A CANCEL by MessageId read while the LOCK still runs its first try, before it goes async.
    const id = a.nextMessageId;
    const early = a.corked(() => {
      const p = a.send(C.SMB2_LOCK, lockBody(fa, [{ offset: 500n, length: 10n, flags: X }]));
      a.raw(cancelFrame(0n, id));
      return p;
    });
    expect((await early).status).toBe(S.STATUS_CANCELLED);
  });

  /** LOCK of one element on `c`'s open `f`: its status. */
  const lock1 = async (c: SmbTestClient, f: FileId, offset: bigint, length: bigint, flags: number) =>
    (await c.send(C.SMB2_LOCK, lockBody(f, [{ offset, length, flags }]))).status;

  it("stacks an open's locks as Windows does: one lock per request, unlocked one at a time", async () => {
    const fa = await open(a, "l.bin");
    const fb = await open(b, "l.bin");
    expect(await lock1(a, fa, 600n, 10n, X | NOW)).toBe(0);
    // A shared lock stacks on the open's own exclusive one, twice; another open's does not.
    expect(await lock1(a, fa, 600n, 10n, SH | NOW)).toBe(0);
    expect(await lock1(a, fa, 600n, 10n, SH | NOW)).toBe(0);
    expect(await lock1(b, fb, 600n, 10n, SH | NOW)).toBe(S.STATUS_LOCK_NOT_GRANTED);
    // Three locks, three unlocks (the exclusive first: b may then share), then none left.
    expect(await lock1(a, fa, 600n, 10n, U)).toBe(0);
    expect(await lock1(b, fb, 600n, 10n, SH | NOW)).toBe(0);
    expect(await lock1(b, fb, 600n, 10n, U)).toBe(0);
    expect(await lock1(a, fa, 600n, 10n, U)).toBe(0);
    expect(await lock1(a, fa, 600n, 10n, U)).toBe(0);
    expect(await lock1(a, fa, 600n, 10n, U)).toBe(S.STATUS_RANGE_NOT_LOCKED);
    // The open's own locks conflict otherwise: exclusive over shared, exclusive over exclusive.
    expect(await lock1(a, fa, 600n, 10n, SH | NOW)).toBe(0);
    expect(await lock1(a, fa, 605n, 1n, X | NOW)).toBe(S.STATUS_LOCK_NOT_GRANTED);
    expect(await lock1(a, fa, 600n, 10n, U)).toBe(0);
    expect(await lock1(a, fa, 600n, 10n, X | NOW)).toBe(0);
    expect(await lock1(a, fa, 600n, 10n, X | NOW)).toBe(S.STATUS_LOCK_NOT_GRANTED);
    expect(await lock1(a, fa, 600n, 10n, U)).toBe(0);
  });

  it("an open's own shared lock stops its writes, not its reads; its exclusive lock neither", async () => {
    const fa = await open(a, "l.bin");
    expect(await lock1(a, fa, 700n, 10n, SH | NOW)).toBe(0);
    expect((await a.send(C.SMB2_WRITE, writeBody(fa, 702n, Buffer.from("x")))).status).toBe(
      S.STATUS_FILE_LOCK_CONFLICT,
    );
    expect((await a.send(C.SMB2_READ, readBody(fa, 702n, 1))).status).toBe(0);
    expect(await lock1(a, fa, 700n, 10n, U)).toBe(0);
    expect(await lock1(a, fa, 700n, 10n, X | NOW)).toBe(0);
    expect((await a.send(C.SMB2_WRITE, writeBody(fa, 702n, Buffer.from("x")))).status).toBe(0);
    expect(await lock1(a, fa, 700n, 10n, U)).toBe(0);
  });

  it("zero-byte locks conflict only with a lock around their offset ([MS-FSA] 2.1.4.10)", async () => {
    const fa = await open(a, "l.bin");
    const fb = await open(b, "l.bin");
    expect(await lock1(a, fa, 810n, 0n, X | NOW)).toBe(0);
    expect(await lock1(b, fb, 809n, 2n, X | NOW)).toBe(S.STATUS_LOCK_NOT_GRANTED);
    expect(await lock1(b, fb, 810n, 0n, X | NOW)).toBe(0);
    expect(await lock1(b, fb, 810n, 1n, X | NOW)).toBe(0);
    expect(await lock1(b, fb, 809n, 1n, X | NOW)).toBe(0);
    expect(await lock1(b, fb, 810n, 0n, U)).toBe(0);
    expect(await lock1(b, fb, 810n, 0n, U)).toBe(S.STATUS_RANGE_NOT_LOCKED);
    expect(await lock1(b, fb, 810n, 1n, U)).toBe(0);
    expect(await lock1(b, fb, 809n, 1n, U)).toBe(0);
    expect(await lock1(a, fa, 810n, 0n, U)).toBe(0);
    expect(await lock1(b, fb, 809n, 2n, X | NOW)).toBe(0);
    expect(await lock1(b, fb, 809n, 2n, U)).toBe(0);
  });

  it("keeps 64-bit ranges exact up to the last byte; past it is INVALID_LOCK_RANGE", async () => {
    const fa = await open(a, "l.bin");
    const fb = await open(b, "l.bin");
    const last = 0xffffffffffffffffn;
    expect(await lock1(a, fa, last - 1n, 1n, X | NOW)).toBe(0);
    expect(await lock1(b, fb, last, 1n, X | NOW)).toBe(0);
    expect(await lock1(b, fb, last - 1n, 1n, X | NOW)).toBe(S.STATUS_LOCK_NOT_GRANTED);
    expect(await lock1(a, fa, 2n ** 53n + 1n, 1n, X | NOW)).toBe(0);
    expect(await lock1(b, fb, 2n ** 53n, 1n, X | NOW)).toBe(0);
    expect(await lock1(b, fb, last, 2n, X | NOW)).toBe(S.STATUS_INVALID_LOCK_RANGE);
    for (const [c, f, at] of [
      [a, fa, last - 1n],
      [b, fb, last],
      [a, fa, 2n ** 53n + 1n],
      [b, fb, 2n ** 53n],
    ] as const) {
      expect(await lock1(c, f, at, 1n, U)).toBe(0);
    }
  });

  it("a pending lock whose open is closed ends with RANGE_NOT_LOCKED", async () => {
    const fa = await open(a, "l.bin");
    const fb = await open(b, "l.bin");
    expect(await lock1(a, fa, 900n, 10n, X | NOW)).toBe(0);
    const waiting = b.send(C.SMB2_LOCK, lockBody(fb, [{ offset: 900n, length: 10n, flags: X }]));
    for (let i = 0; !b.interim.some((r) => r.header.Command === C.SMB2_LOCK); i++) {
      if (i > 500) throw new Error("the lock never went async");
      await new Promise((r) => setTimeout(r, 10));
    }
    expect((await b.send(C.SMB2_CLOSE, closeBody(fb))).status).toBe(0);
    expect((await waiting).status).toBe(S.STATUS_RANGE_NOT_LOCKED);
    expect(await lock1(a, fa, 900n, 10n, U)).toBe(0);
  });
});
