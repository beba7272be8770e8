import { describe, expect, it } from "vitest";
import { useMemoryFiles } from "./testing/memory-files.ts";

const ALICE = { uid: 1001, gid: 1001, gids: [] };

describe("file service SETATTR size and UNCHECKED CREATE: the payload follows a committed size", () => {
  const { metadata, files } = useMemoryFiles("/export");

  const root = () => files.resolve(ALICE, metadata.rootHandle("/export"));
  const bytes = async (handle: Buffer) =>
    Buffer.concat(
      (await files.read(files.resolve(ALICE, handle), { offset: 0, count: 64 })).parts,
    ).toString();

  it("cuts and zero-extends the content through SETATTR size", async () => {
    const f = await files.create(root(), "s", {}, { mode: "guarded" });
    const call = files.resolve(ALICE, f.handle);
    await files.write(call, { offset: 0n, data: Buffer.from("hello world"), stability: "unstable" });
    expect((await files.setattr(call, { attrs: { size: 5 } })).after.size).toBe(5);
    await files.setattr(call, { attrs: { size: 11 } });
    expect(await bytes(f.handle)).toBe("hello\0\0\0\0\0\0");
  });

  it("empties an existing file on an UNCHECKED create with size 0", async () => {
    const f = await files.create(root(), "u", {}, { mode: "guarded" });
    await files.write(files.resolve(ALICE, f.handle), {
      offset: 0n,
      data: Buffer.from("hello"),
      stability: "unstable",
    });
    const again = await files.create(root(), "u", { size: 0 }, { mode: "unchecked" });
    expect(again.handle.equals(f.handle)).toBe(true);
    await files.setattr(files.resolve(ALICE, f.handle), { attrs: { size: 5 } });
    expect(await bytes(f.handle)).toBe("\0\0\0\0\0");
  });
});
