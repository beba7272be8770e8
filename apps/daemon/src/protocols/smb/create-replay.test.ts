import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import * as C from "./constants.ts";
import {
  closeBody,
  createBody,
  createContext,
  fileIdOf,
  oplockAckBody,
  queryInfoBody,
} from "./testing/bodies.ts";
import { useSmbHarness } from "./testing/fixture.ts";
import { SmbWriter } from "./wire.ts";

const BATCH = 0x09;
const REPLAY = 0x20000000;
const dh2q = (guid: Buffer) =>
  createContext("DH2Q", new SmbWriter().u32(0).u32(0).u64(0n).bytes(guid).finish());

describe("CREATE replay of a DH2Q open (MS-SMB2 3.3.5.9.10)", () => {
  const fx = useSmbHarness();

  it("answers the first open's FileId to a replay, refuses the CreateGuid without the flag, and forgets it once the open is used", async () => {
    const a = await fx.login([C.SMB2_DIALECT_300]);
    const name = `replay-${randomBytes(4).toString("hex")}`;
    const body = createBody(name, { oplock: BATCH, contexts: dh2q(randomBytes(16)) });
    const first = await a.send(C.SMB2_CREATE, body);
    expect(first.status).toBe(0);
    const f = fileIdOf(first);
    const again = await a.send(C.SMB2_CREATE, body, { flags: REPLAY });
    expect(again.status).toBe(0);
    expect(fileIdOf(again)).toEqual(f);
    expect(again.body.readUInt32LE(4)).toBe(C.FILE_CREATED);
    expect((await a.send(C.SMB2_CREATE, body)).status).toBe(0xc000022a); // STATUS_DUPLICATE_OBJECTID
    // A request on the open shows the response arrived: a replay from now on is a new CREATE.
    expect((await a.send(C.SMB2_QUERY_INFO, queryInfoBody(f, 1, 14))).status).toBe(0);
    // The new open of the same file breaks the first one's batch oplock: acknowledged at once
    // (left alone, the CREATE would wait out the break timeout).
    const pending = a.send(C.SMB2_CREATE, body, { flags: REPLAY });
    const brk = await a.nextBreak();
    expect((await a.send(C.SMB2_OPLOCK_BREAK, oplockAckBody(f, brk.body[2]!))).status).toBe(0);
    const fresh = await pending;
    expect(fresh.status).toBe(0);
    expect(fileIdOf(fresh)).not.toEqual(f);
    for (const x of [f, fileIdOf(fresh)]) expect((await a.send(C.SMB2_CLOSE, closeBody(x))).status).toBe(0);
  });
});
