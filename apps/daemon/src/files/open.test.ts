import { describe, expect, it } from "vitest";
import { PathNotFound } from "./open.ts";
import { useMemoryFiles } from "./testing/memory-files.ts";
import type { FileCall } from "./types.ts";

const ALICE = { uid: 1001, gid: 1001, gids: [] };
const admitAll = async () => {};

describe("file service open by path", () => {
  const { metadata, files } = useMemoryFiles("/export", "/ro");

  const root = (share = "/export"): FileCall => files.resolve(ALICE, metadata.rootHandle(share));
  const size = async (name: string) => (await metadata.lookup(ALICE, root().handle, name)).attr.size;

  it("creates, opens and overwrites as the disposition says, taking an open reference", async () => {
    const base = { dosAttributes: 0, admit: admitAll };
    const made = await files.open(root(), { ...base, path: ["d"], disposition: "create", kind: "dir" });
    expect([made.action, made.attr.type]).toEqual(["created", "dir"]);
    const f = await files.open(root(), { ...base, path: ["d", "f"], disposition: "open-if" });
    expect([f.action, f.parent, f.name]).toEqual(["created", made.target.handle, "f"]);
    await files.write(files.resolve(ALICE, f.target.handle), {
      offset: 0n,
      data: Buffer.from("hello"),
      stability: "unstable",
    });
    const again = await files.open(root(), { ...base, path: ["d", "f"], disposition: "open-if" });
    expect([again.action, again.attr.size]).toEqual(["opened", 5]);
    const sup = await files.open(root(), { ...base, path: ["d", "f"], disposition: "supersede" });
    expect([sup.action, sup.attr.size]).toEqual(["superseded", 0]);
    await expect(
      files.open(root(), { ...base, path: ["d", "f"], disposition: "create" }),
    ).rejects.toMatchObject({ code: "EEXIST" });
    await expect(
      files.open(root(), { ...base, path: ["d"], disposition: "open", kind: "file" }),
    ).rejects.toMatchObject({ code: "EISDIR" });
    await expect(
      files.open(root(), { ...base, path: ["d", "f"], disposition: "open", kind: "dir" }),
    ).rejects.toMatchObject({ code: "ENOTDIR" });
    await expect(
      files.open(root(), { ...base, path: ["d"], disposition: "overwrite" }),
    ).rejects.toMatchObject({
      code: "EINVAL",
    });
    await expect(
      files.open(root(), { ...base, path: ["d", "g"], disposition: "open" }),
    ).rejects.toMatchObject({
      code: "ENOENT",
    });
    const missingDir = files.open(root(), { ...base, path: ["x", "f"], disposition: "open-if" });
    await expect(missingDir).rejects.toBeInstanceOf(PathNotFound);
    const throughFile = files.walk(root(), ["d", "f", "g"]);
    await expect(throughFile).rejects.toBeInstanceOf(PathNotFound);
  });

  it("runs the protocol's admission before an overwrite changes anything", async () => {
    const base = { dosAttributes: 0, admit: admitAll };
    const f = await files.open(root(), { ...base, path: ["kept"], disposition: "create" });
    await files.write(files.resolve(ALICE, f.target.handle), {
      offset: 0n,
      data: Buffer.from("data"),
      stability: "unstable",
    });
    const refused = files.open(root(), {
      ...base,
      path: ["kept"],
      disposition: "overwrite",
      admit: async (o) => {
        expect([o.action, o.target.attr.size]).toEqual(["overwritten", 4]);
        throw new Error("sharing violation");
      },
    });
    await expect(refused).rejects.toThrow("sharing violation");
    expect(await size("kept")).toBe(4);
  });

  it("removes a file or directory it created when the admission refuses the open", async () => {
    const refuse = async () => {
      throw new Error("cannot delete");
    };
    for (const kind of ["file", "dir"] as const) {
      const r = { dosAttributes: 1, admit: refuse, path: [`new-${kind}`], kind };
      await expect(files.open(root(), { ...r, disposition: "create" })).rejects.toThrow("cannot delete");
      const lookup = metadata.lookup(ALICE, root().handle, `new-${kind}`);
      await expect(lookup).rejects.toMatchObject({ code: "ENOENT" });
    }
  });

  it("refuses to create or overwrite for a read grant with its refusal errno", async () => {
    const base = { dosAttributes: 0, admit: admitAll };
    await files.open(root(), { ...base, path: ["ro-file"], disposition: "create" });
    const reader: FileCall = { ...root(), access: { level: "read", writeRefusal: "EACCES" } };
    await expect(files.open(reader, { ...base, path: ["new"], disposition: "create" })).rejects.toMatchObject(
      {
        code: "EACCES",
      },
    );
    await expect(
      files.open(reader, { ...base, path: ["ro-file"], disposition: "overwrite-if" }),
    ).rejects.toMatchObject({ code: "EACCES" });
    const opened = await files.open(reader, { ...base, path: ["ro-file"], disposition: "open" });
    expect(opened.action).toBe("opened");
  });
});
