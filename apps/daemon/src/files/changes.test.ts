import { describe, expect, it } from "vitest";
import { type FileChangeIntent, MODIFIED } from "./changes.ts";
import { useMemoryFiles } from "./testing/memory-files.ts";

const ALICE = { uid: 1001, gid: 1001, gids: [] };

describe("file service change gates and directory listeners", () => {
  const { metadata, files } = useMemoryFiles("/export");
  const root = () => files.resolve(ALICE, metadata.rootHandle("/export"));

  it("offers each change to the gates first and holds it until the gate's promise settles", async () => {
    const file = await files.create(root(), "f", { mode: 0o644 }, { mode: "unchecked" });
    const f = files.resolve(ALICE, file.handle);
    const seen: FileChangeIntent[] = [];
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const remove = files.addChangeGate((intent) => {
      seen.push(intent);
      return intent.kind === "setattr" ? held : undefined;
    });
    let done = false;
    const setattr = files.setattr(f, { attrs: { size: 3 } }).then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    expect((await files.getattr(f)).size).toBe(0);
    release();
    await setattr;
    expect((await files.getattr(f)).size).toBe(3);
    await files.write(f, { offset: 0n, data: Buffer.from("x"), stability: "unstable" });
    await files.read(f, { offset: 0, count: 1 });
    await files.rename(root(), "f", root().handle, "g");
    await files.remove({ ...root(), caller: { ...ALICE, origin: "smb" } }, "g");
    expect(seen.map((i) => [i.kind, i.share.name, i.name ?? null, i.caller.origin ?? null])).toEqual([
      ["setattr", "/export", null, null],
      ["write", "/export", null, null],
      ["read", "/export", null, null],
      ["rename", "/export", "f", null],
      ["remove", "/export", "g", null],
      ["remove", "/export", "g", "smb"],
    ]);
    remove();
    await files.create(root(), "h", { mode: 0o644 }, { mode: "unchecked" });
    await files.remove(root(), "h");
    expect(seen).toHaveLength(6);
  });

  it("tells directory listeners of names added, removed and renamed, after the change only", async () => {
    const seen: string[] = [];
    const remove = files.addDirChangeListener((e) => {
      expect(e.dir.equals(root().handle)).toBe(true);
      seen.push(`${e.share}:${e.action}:${e.name}:${e.isDir}`);
    });
    await files.create(root(), "a", { mode: 0o644 }, { mode: "guarded" });
    await expect(files.create(root(), "a", { mode: 0o644 }, { mode: "guarded" })).rejects.toThrow();
    await files.make(root(), "d", { mode: 0o755 }, { type: "dir" });
    await files.rename(root(), "a", root().handle, "b");
    await files.remove(root(), "b");
    await files.rmdir(root(), "d");
    const opened = await files.open(root(), {
      path: ["o"],
      disposition: "create",
      dosAttributes: 0,
      admit: async () => {},
    });
    await files.link(root(), { file: opened.target.handle, name: "o2" });
    remove();
    await files.make(root(), "quiet", { mode: 0o755 }, { type: "dir" });
    expect(seen).toEqual([
      "/export:added:a:false",
      "/export:added:d:true",
      "/export:renamed-old:a:null",
      "/export:renamed-new:b:null",
      "/export:removed:b:false",
      "/export:removed:d:true",
      "/export:added:o:false",
      "/export:added:o2:false",
    ]);
  });

  it("tells modified listeners what a write, a SETATTR or an EA change changed, after the change", async () => {
    const file = await files.create(root(), "m", { mode: 0o644 }, { mode: "unchecked" });
    const f = files.resolve(ALICE, file.handle);
    const seen: [string, bigint, number][] = [];
    const remove = files.addModifiedListener((e) => seen.push([e.share, e.fileid, e.changed]));
    await files.write(f, { offset: 0n, data: Buffer.from("abc"), stability: "unstable" });
    await files.write(f, { offset: 0n, data: Buffer.from("x"), stability: "unstable" });
    await files.setattr(f, { attrs: { size: 1 } });
    await files.setattr(f, { attrs: { mode: 0o600, atime: "now", dosAttributes: 2 } });
    await expect(files.setattr(f, { attrs: { size: -1 } })).rejects.toThrow();
    await files.setEas(f, [{ name: "user.note", value: Buffer.from("v") }]);
    remove();
    await files.write(f, { offset: 0n, data: Buffer.from("y"), stability: "unstable" });
    const id = file.attr.fileid;
    expect(seen).toEqual([
      ["/export", id, MODIFIED.writeTime | MODIFIED.size],
      ["/export", id, MODIFIED.writeTime],
      ["/export", id, MODIFIED.size | MODIFIED.writeTime],
      ["/export", id, MODIFIED.security | MODIFIED.accessTime | MODIFIED.attributes],
      ["/export", id, MODIFIED.eas],
    ]);
  });
});
