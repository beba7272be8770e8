import { describe, expect, it } from "vitest";
import { useMemoryFiles } from "./testing/memory-files.ts";

const ALICE = { uid: 1001, gid: 1001, gids: [] };

describe("file service REMOVE, RMDIR, RENAME and LINK", () => {
  const { metadata, files } = useMemoryFiles("/export", "/other");

  const root = (share = "/export") => files.resolve(ALICE, metadata.rootHandle(share));
  const file = async (name: string, text: string) => {
    const f = await files.create(root(), name, {}, { mode: "guarded" });
    await files.write(files.resolve(ALICE, f.handle), {
      offset: 0n,
      data: Buffer.from(text),
      stability: "unstable",
    });
    return f.handle;
  };
  const text = async (name: string) => {
    const { handle } = await metadata.lookup(ALICE, metadata.rootHandle("/export"), name);
    return Buffer.concat(
      (await files.read(files.resolve(ALICE, handle), { offset: 0, count: 64 })).parts,
    ).toString();
  };

  it("links over an existing name only when asked to replace it", async () => {
    const a = await file("a", "alpha");
    await file("b", "beta");
    await expect(files.link(root(), { file: a, name: "b" })).rejects.toMatchObject({ code: "EEXIST" });
    const r = await files.link(root(), { file: a, name: "b", replace: true });
    expect(r.attr.nlink).toBe(2);
    expect(await text("b")).toBe("alpha");
  });

  it("renames within a share, refuses another share's directory (EXDEV)", async () => {
    const r = await files.rename(root(), "a", metadata.rootHandle("/export"), "c");
    expect(r.toAfter.fileid).toBe(r.fromAfter.fileid);
    expect(await text("c")).toBe("alpha");
    await expect(files.rename(root(), "c", metadata.rootHandle("/other"), "c")).rejects.toMatchObject({
      code: "EXDEV",
    });
  });

  it("removes files and empty directories only", async () => {
    const d = await metadata.mkdir(ALICE, metadata.rootHandle("/export"), "d", {});
    await files.create(files.resolve(ALICE, d.handle), "inner", {}, { mode: "guarded" });
    await expect(files.rmdir(root(), "d")).rejects.toMatchObject({ code: "ENOTEMPTY" });
    await expect(files.remove(root(), "d")).rejects.toMatchObject({ code: "EISDIR" });
    await files.remove(files.resolve(ALICE, d.handle), "inner");
    await files.rmdir(root(), "d");
    await files.remove(root(), "b");
    expect((await files.remove(root(), "c")).dirAfter.nlink).toBe(2);
    await expect(metadata.lookup(ALICE, metadata.rootHandle("/export"), "c")).rejects.toMatchObject({
      code: "ENOENT",
    });
  });
});
