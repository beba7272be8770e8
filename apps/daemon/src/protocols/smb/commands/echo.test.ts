import { beforeEach, describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import * as S from "../ntstatus.ts";
import { closeBody, createBody, readBody, writeBody } from "../testing/bodies.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import { SmbTestClient } from "../testing/smb-client.ts";

const ECHO = Buffer.from([4, 0, 0, 0]);
const RELATED = { persistent: 0xffffffffffffffffn, volatile: 0xffffffffffffffffn };

describe("ECHO, compounds, credits", () => {
  const smb = useSmbHarness();
  let c: SmbTestClient;
  beforeEach(async () => {
    c = await smb.login();
  });

  it("echoes and grants the credits asked for (at least one)", async () => {
    const r = await c.send(C.SMB2_ECHO, ECHO);
    expect(r.status).toBe(0);
    expect(r.header.Credits).toBeGreaterThanOrEqual(1);
  });

  it("runs a related compound CREATE+WRITE+READ+CLOSE on the placeholder FileId", async () => {
    const [cr, wr, rd, cl] = await c.compound([
      { command: C.SMB2_CREATE, body: createBody("compound.txt", { disposition: C.FILE_CREATE }) },
      {
        command: C.SMB2_WRITE,
        body: writeBody(RELATED, 0n, Buffer.from("hello compound")),
        flags: C.SMB2_FLAGS_RELATED_OPERATIONS,
      },
      { command: C.SMB2_READ, body: readBody(RELATED, 0n, 100), flags: C.SMB2_FLAGS_RELATED_OPERATIONS },
      { command: C.SMB2_CLOSE, body: closeBody(RELATED), flags: C.SMB2_FLAGS_RELATED_OPERATIONS },
    ]);
    expect([cr!.status, wr!.status, rd!.status, cl!.status]).toEqual([0, 0, 0, 0]);
    expect(rd!.msg.subarray(rd!.body[2]!, rd!.body[2]! + rd!.body.readUInt32LE(4)).toString()).toBe(
      "hello compound",
    );
    expect(wr!.header.Flags & C.SMB2_FLAGS_RELATED_OPERATIONS).toBe(C.SMB2_FLAGS_RELATED_OPERATIONS);
  });

  it("fails related operations with the failed CREATE's status; unrelated ones run independently", async () => {
    const [cr, cl] = await c.compound([
      { command: C.SMB2_CREATE, body: createBody("missing.txt", { disposition: C.FILE_OPEN }) },
      { command: C.SMB2_CLOSE, body: closeBody(RELATED), flags: C.SMB2_FLAGS_RELATED_OPERATIONS },
    ]);
    expect(cr!.status).toBe(S.STATUS_OBJECT_NAME_NOT_FOUND);
    expect(cl!.status).toBe(S.STATUS_OBJECT_NAME_NOT_FOUND);
    const [e1, e2] = await c.compound([
      { command: C.SMB2_ECHO, body: ECHO },
      { command: C.SMB2_ECHO, body: ECHO },
    ]);
    expect([e1!.status, e2!.status]).toEqual([0, 0]);
  });

  it("answers a bad StructureSize with INVALID_PARAMETER", async () => {
    expect((await c.send(C.SMB2_ECHO, Buffer.from([5, 0, 0, 0]))).status).toBe(S.STATUS_INVALID_PARAMETER);
  });

  it("survives garbage and an oversized frame by closing only that connection", async () => {
    const bad = await SmbTestClient.connect(smb.h.port);
    bad.raw(Buffer.from([0, 0xff, 0xff, 0xff]));
    await new Promise((r) => setTimeout(r, 50));
    expect((await c.send(C.SMB2_ECHO, ECHO)).status).toBe(0);
    bad.close();
  });
});
