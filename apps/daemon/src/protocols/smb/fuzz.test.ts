/**
 * Bad input never crashes the server: random bodies for every command (with the right and wrong
 * StructureSize), random compound chains and raw garbage frames. Each connection may be answered
 * with an error or closed; afterwards a fresh client still logs in and works.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prng } from "../../domain/testing/prng.ts";
import { COMMANDS } from "./commands/index.ts";
import * as C from "./constants.ts";
import { transportHeader } from "./framing.ts";
import { ALICE, type SmbHarness, startSmbHarness } from "./testing/harness.ts";
import { SmbTestClient } from "./testing/smb-client.ts";

function randomBody(rand: () => number, structureSize: number): Buffer {
  const len = Math.floor(rand() * 200);
  const b = Buffer.alloc(Math.max(2, len));
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(rand() * 256);
  if (rand() < 0.8) b.writeUInt16LE(structureSize, 0);
  return b;
}

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms))]);

describe("fuzzed requests", () => {
  let h: SmbHarness;
  beforeAll(async () => {
    h = await startSmbHarness();
  });
  afterAll(async () => h.stop());

  it("answers or drops random bodies for every command and keeps serving", async () => {
    const rand = prng(0x5eed);
    for (let round = 0; round < 4; round++) {
      const c = await SmbTestClient.login(h.port, ALICE.user, ALICE.password);
      for (const [code, spec] of Object.entries(COMMANDS)) {
        if (Number(code) === C.SMB2_NEGOTIATE || Number(code) === C.SMB2_LOGOFF) continue;
        for (let i = 0; i < 15; i++) {
          const r = await withTimeout(c.send(Number(code), randomBody(rand, spec.structureSize)), 500);
          if (r !== "timeout") expect(r.header.Command).toBe(Number(code));
        }
      }
      c.close();
    }
    const ok = await SmbTestClient.login(h.port, ALICE.user, ALICE.password);
    expect((await ok.send(C.SMB2_ECHO, Buffer.from([4, 0, 0, 0]))).status).toBe(0);
    ok.close();
  });

  it("survives garbage frames and bad compound offsets", async () => {
    const rand = prng(42);
    for (let i = 0; i < 30; i++) {
      const c = await SmbTestClient.connect(h.port);
      const body = Buffer.alloc(64 + Math.floor(rand() * 100));
      for (let j = 0; j < body.length; j++) body[j] = Math.floor(rand() * 256);
      if (i % 2 === 0) {
        body.writeUInt32LE(0x424d53fe, 0);
        body.writeUInt16LE(64, 4);
      }
      c.raw(Buffer.concat([transportHeader(body.length), body]));
      await new Promise((r) => setTimeout(r, 5));
      c.close();
    }
    const ok = await SmbTestClient.login(h.port, ALICE.user, ALICE.password);
    expect((await ok.send(C.SMB2_ECHO, Buffer.from([4, 0, 0, 0]))).status).toBe(0);
    ok.close();
  });
});
