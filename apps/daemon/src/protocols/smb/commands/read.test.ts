import { randomBytes } from "node:crypto";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import * as S from "../ntstatus.ts";
import { closeBody, open, readBody, writeFile } from "../testing/bodies.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import type { SmbTestClient } from "../testing/smb-client.ts";

describe("READ", () => {
  const smb = useSmbHarness();
  let c: SmbTestClient;
  const data = randomBytes(300_000);
  beforeAll(async () => {
    const setup = await smb.login();
    await writeFile(setup, "r.bin", data);
  });
  beforeEach(async () => {
    c = await smb.login();
  });

  it("reads ranges, clips at the end and answers END_OF_FILE past it", async () => {
    const f = await open(c, "r.bin", { access: C.FILE_READ_DATA });
    const r = await c.send(C.SMB2_READ, readBody(f, 1000n, 65536));
    expect(r.status).toBe(0);
    const off = r.body[2]!;
    const len = r.body.readUInt32LE(4);
    expect(r.msg.subarray(off, off + len)).toEqual(data.subarray(1000, 1000 + 65536));
    const big = await c.send(C.SMB2_READ, readBody(f, 0n, 4 * 1024 * 1024), { creditCharge: 64 });
    expect(big.body.readUInt32LE(4)).toBe(data.length);
    expect((await c.send(C.SMB2_READ, readBody(f, BigInt(data.length), 10))).status).toBe(
      S.STATUS_END_OF_FILE,
    );
    expect((await c.send(C.SMB2_READ, readBody(f, BigInt(data.length - 5), 10, 6))).status).toBe(
      S.STATUS_END_OF_FILE,
    );
    await c.send(C.SMB2_CLOSE, closeBody(f));
  });

  it("refuses directories and opens without read access", async () => {
    const d = await open(c, "", { access: C.FILE_LIST_DIRECTORY });
    expect((await c.send(C.SMB2_READ, readBody(d, 0n, 10))).status).toBe(S.STATUS_INVALID_DEVICE_REQUEST);
    const f = await open(c, "r.bin", { access: C.FILE_READ_ATTRIBUTES });
    expect((await c.send(C.SMB2_READ, readBody(f, 0n, 10))).status).toBe(S.STATUS_ACCESS_DENIED);
    expect((await c.send(C.SMB2_READ, readBody({ persistent: 99n, volatile: 99n }, 0n, 10))).status).toBe(
      S.STATUS_FILE_CLOSED,
    );
  });
});
