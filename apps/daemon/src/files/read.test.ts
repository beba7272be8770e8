/**
 * READ's synchronous path (files/data.ts read): over synchronous stores with the range cached the
 * whole READ runs at the call and answers with a settled promise, its checks included; a change
 * gate that holds the READ still holds it, and a sparse tail still reads as zeros.
 */
import { describe, expect, it } from "vitest";
import { settledInOneTick } from "../domain/testing/settled.ts";
import { useMemoryFiles } from "./testing/memory-files.ts";

const ALICE = { uid: 1001, gid: 1001, gids: [] };
const BOB = { uid: 1002, gid: 1002, gids: [] };

describe("file service READ", () => {
  const { metadata, files } = useMemoryFiles("/export");
  const root = () => files.resolve(ALICE, metadata.rootHandle("/export"));

  it("answers a cached range, EOF and a refusal without waiting, with the same results", async () => {
    const file = await files.create(root(), "f", { mode: 0o600 }, { mode: "unchecked" });
    const f = files.resolve(ALICE, file.handle);
    await files.write(f, { offset: 0n, data: Buffer.from("hello world"), stability: "unstable" });
    const read = files.read(f, { offset: 6, count: 100 });
    expect(await settledInOneTick(read)).toBe(true);
    const r = await read;
    expect(Buffer.concat(r.parts).toString()).toBe("world");
    expect([r.length, r.eof, r.attr.size]).toEqual([5, true, 11]);
    const past = files.read(f, { offset: 11, count: 4 });
    expect(await settledInOneTick(past)).toBe(true);
    expect(await past).toMatchObject({ length: 0, eof: true, parts: [] });
    const refused = files.read(files.resolve(BOB, file.handle), { offset: 0, count: 4 });
    expect(await settledInOneTick(refused)).toBe(true);
    await expect(refused).rejects.toMatchObject({ code: "EACCES" });
    // Size past the payload: the tail reads as zeros.
    await files.setattr(f, { attrs: { size: 16 } });
    const tail = await files.read(f, { offset: 8, count: 8 });
    expect(Buffer.concat(tail.parts)).toEqual(Buffer.from("rld\0\0\0\0\0", "latin1"));
    expect(tail.eof).toBe(true);
  });

  it("waits for a change gate that holds the READ", async () => {
    const file = await files.create(root(), "g", { mode: 0o644 }, { mode: "unchecked" });
    const f = files.resolve(ALICE, file.handle);
    await files.write(f, { offset: 0n, data: Buffer.from("abc"), stability: "unstable" });
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const remove = files.addChangeGate((intent) => (intent.kind === "read" ? held : undefined));
    const read = files.read(f, { offset: 0, count: 3 });
    expect(await settledInOneTick(read)).toBe(false);
    release();
    expect(Buffer.concat((await read).parts).toString()).toBe("abc");
    remove();
  });
});
