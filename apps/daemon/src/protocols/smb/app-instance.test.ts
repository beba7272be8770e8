import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import * as C from "./constants.ts";
import * as S from "./ntstatus.ts";
import {
  closeBody,
  createContexts as contexts,
  createBody,
  createContext,
  fileIdOf,
} from "./testing/bodies.ts";
import { useSmbHarness } from "./testing/fixture.ts";
import { BOB } from "./testing/harness.ts";
import { SmbTestClient } from "./testing/smb-client.ts";
import { SmbWriter } from "./wire.ts";

const BATCH = 0x09;
const TAG = Buffer.from("45bca66aefa7f74a9008fa462e144d74", "hex").toString("latin1");

const dh2q = () =>
  createContext("DH2Q", new SmbWriter().u32(0).u32(0).u64(0n).bytes(randomBytes(16)).finish());
const appInstance = (id: Buffer) => createContext(TAG, new SmbWriter().u16(20).u16(0).bytes(id).finish());

describe("SMB2_CREATE_APP_INSTANCE_ID (MS-SMB2 3.3.5.9.13)", () => {
  const fx = useSmbHarness();
  const v3 = [C.SMB2_DIALECT_300];

  it("a durable v2 open from another client with the same AppInstanceId closes the older open, breaking nothing", async () => {
    const a = await fx.login(v3);
    const b = await fx.login(v3);
    const name = `app-instance-${randomBytes(4).toString("hex")}`;
    const id = randomBytes(16);
    const body = createBody(name, { oplock: BATCH, share: 0, contexts: contexts(dh2q(), appInstance(id)) });
    const ra = await a.send(C.SMB2_CREATE, body);
    expect(ra.status).toBe(0);
    expect(ra.body[2]).toBe(BATCH);
    // As smbtorture's test: deny-all share mode and a batch oplock, so anything but closing the
    // older open would break its oplock (and then meet its share mode).
    const first = await Promise.race([
      b.send(C.SMB2_CREATE, body).then((reply) => ({ reply })),
      a.nextBreak(5000).then(() => ({ reply: null })),
    ]);
    expect(first.reply?.status).toBe(0);
    expect(first.reply!.body[2]).toBe(BATCH);
    expect(first.reply!.body.readUInt32LE(4)).toBe(C.FILE_OPENED);
    expect(a.breaks).toHaveLength(0);
    expect((await a.send(C.SMB2_CLOSE, closeBody(fileIdOf(ra)))).status).toBe(S.STATUS_FILE_CLOSED);
    expect((await b.send(C.SMB2_CLOSE, closeBody(fileIdOf(first.reply!)))).status).toBe(0);
  });

  it("closes nothing of the same client, of another user, or with another AppInstanceId", async () => {
    const a = await fx.login(v3);
    const name = `app-instance-keep-${randomBytes(4).toString("hex")}`;
    const id = randomBytes(16);
    // No oplock: a conflicting open meets the deny-all share mode at once.
    const body = (instance: Buffer, access = C.FILE_ALL_ACCESS) =>
      createBody(name, { access, share: 0, contexts: contexts(dh2q(), appInstance(instance)) });
    const ra = await a.send(C.SMB2_CREATE, body(id));
    expect(ra.status).toBe(0);
    expect((await a.send(C.SMB2_CREATE, body(id))).status).toBe(S.STATUS_SHARING_VIOLATION);
    const b = await fx.login(v3);
    expect((await b.send(C.SMB2_CREATE, body(randomBytes(16)))).status).toBe(S.STATUS_SHARING_VIOLATION);
    const bob = await SmbTestClient.login(fx.h.port, BOB.user, BOB.password, "export", v3);
    try {
      // Reading is what the file's mode grants Bob.
      expect((await bob.send(C.SMB2_CREATE, body(id, C.FILE_READ_DATA))).status).toBe(
        S.STATUS_SHARING_VIOLATION,
      );
    } finally {
      bob.close();
    }
    expect((await a.send(C.SMB2_CLOSE, closeBody(fileIdOf(ra)))).status).toBe(0);
  });

  it("an AppInstanceId context of the wrong size is INVALID_PARAMETER", async () => {
    const a = await fx.login(v3);
    const bad = createContext(TAG, new SmbWriter().u16(16).u16(0).bytes(randomBytes(12)).finish());
    const r = await a.send(
      C.SMB2_CREATE,
      createBody(`app-instance-bad-${randomBytes(4).toString("hex")}`, { contexts: bad }),
    );
    expect(r.status).toBe(S.STATUS_INVALID_PARAMETER);
  });
});
