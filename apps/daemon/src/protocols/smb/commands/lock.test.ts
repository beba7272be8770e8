import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import * as S from "../ntstatus.ts";
import { cancelFrame, lockBody, open, readBody, writeBody, writeFile } from "../testing/bodies.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import type { SmbTestClient } from "../testing/smb-client.ts";
import { clampRange } from "./lock.ts";

const X = C.SMB2_LOCKFLAG_EXCLUSIVE_LOCK;
const NOW = C.SMB2_LOCKFLAG_FAIL_IMMEDIATELY;
const U = C.SMB2_LOCKFLAG_UNLOCK;

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
    await files.lock(f, { owner: "nlm:host:1", kind: "exclusive", offset: 200, length: 10 });
    expect(
      (await a.send(C.SMB2_LOCK, lockBody(fa, [{ offset: 205n, length: 1n, flags: X | NOW }]))).status,
    ).toBe(S.STATUS_LOCK_NOT_GRANTED);
    files.unlock(f, { owner: "nlm:host:1", offset: 200, length: 10 });
    expect(
      (await a.send(C.SMB2_LOCK, lockBody(fa, [{ offset: 205n, length: 1n, flags: X | NOW }]))).status,
    ).toBe(0);
    // And the SMB lock is visible to NLM TEST.
    expect(files.testLock(f, { owner: "nlm:host:2", kind: "shared", offset: 205, length: 1 })).not.toBeNull();
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
  });

  it("clamps 64-bit ranges to the LockManager's safe integers", () => {
    expect(clampRange(0n, 10n)).toEqual({ offset: 0, length: 10 });
    const big = clampRange(0xffffffffffffff00n, 0x10n);
    expect(big.length).toBeGreaterThan(0);
    expect(Number.isSafeInteger(big.offset + big.length)).toBe(true);
  });
});
