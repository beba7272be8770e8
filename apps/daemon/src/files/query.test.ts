import { describe, expect, it } from "vitest";
import { ACCESS_LOOKUP, ACCESS_MODIFY, ACCESS_READ } from "../metadata/types.ts";
import { useMemoryFiles } from "./testing/memory-files.ts";

const ALICE = { uid: 1001, gid: 1001, gids: [] };

describe("file service GETATTR, LOOKUP, ACCESS, READLINK and FSSTAT", () => {
  const { metadata, files } = useMemoryFiles("/export");
  const root = () => files.resolve(ALICE, metadata.rootHandle("/export"));

  it("looks a name up with the directory's attributes after it", async () => {
    const made = await files.create(root(), "a", { mode: 0o644 }, { mode: "guarded" });
    const found = await files.lookup(root(), "a");
    expect(found.handle.equals(made.handle)).toBe(true);
    expect(found.dirAttr).toEqual(await files.getattr(root()));
    await expect(files.lookup(root(), "missing")).rejects.toMatchObject({ code: "ENOENT" });
    // Over synchronous stores the answer is settled at once (no async frame, metadata/ops/inspect.ts).
    let settled = false;
    files.lookup(root(), "a").then(() => (settled = true));
    await null;
    expect(settled).toBe(true);
  });

  it("takes the write bits away from a caller the share's policy allows only reading", async () => {
    const made = await files.create(root(), "b", { mode: 0o666 }, { mode: "guarded" });
    const f = files.resolve(ALICE, made.handle);
    const mask = ACCESS_READ | ACCESS_MODIFY | ACCESS_LOOKUP;
    const rw = await files.access({ ...f, access: { level: "read-write", writeRefusal: "EACCES" } }, mask);
    expect(rw.granted).toBe(ACCESS_READ | ACCESS_MODIFY);
    const ro = await files.access({ ...f, access: { level: "read", writeRefusal: "EROFS" } }, mask);
    expect(ro.granted).toBe(ACCESS_READ);
    expect(ro.attr.fileid).toBe(made.attr.fileid);
  });

  it("reads a symlink's target and the share's counts with attributes", async () => {
    await expect(files.readlink(root())).rejects.toMatchObject({ code: "EINVAL" });
    const st = await files.fsstat(root());
    expect(st.attr.type).toBe("dir");
    expect(st.st.totalBytes).toBeGreaterThanOrEqual(st.st.freeBytes);
    expect(await files.fsCounts(root())).toEqual(st.st);
  });
});
