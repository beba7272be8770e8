import { describe, expect, it } from "vitest";
import { useMemoryFiles } from "./testing/memory-files.ts";

const ALICE = { uid: 1001, gid: 1001, gids: [] };

describe("file service MKDIR, SYMLINK and MKNOD", () => {
  const { metadata, files } = useMemoryFiles("/export");
  const root = () => files.resolve(ALICE, metadata.rootHandle("/export"));

  it("makes each type with what it alone carries", async () => {
    const d = await files.make(root(), "d", { mode: 0o755 }, { type: "dir" });
    expect(d.attr.type).toBe("dir");
    const l = await files.make(root(), "l", {}, { type: "symlink", target: "d/x" });
    expect((await files.readlink(files.resolve(ALICE, l.handle))).target).toBe("d/x");
    const c = await files.make(root(), "c", {}, { type: "chr", rdev: { major: 4, minor: 7 } });
    expect(c.attr).toMatchObject({ type: "chr", rdev: { major: 4, minor: 7 } });
    const p = await files.make(root(), "p", {}, { type: "fifo", rdev: { major: 0, minor: 0 } });
    expect(p.attr.type).toBe("fifo");
    await expect(files.make(root(), "d", {}, { type: "dir" })).rejects.toMatchObject({ code: "EEXIST" });
  });
});
