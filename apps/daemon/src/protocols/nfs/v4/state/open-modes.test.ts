import { describe, expect, it } from "vitest";
import { useMemoryFiles } from "../../../../files/testing/memory-files.ts";
import { downgradeOpen, releaseOpen, reserveOpen } from "./open-modes.ts";

const ROOT = { uid: 0, gid: 0, gids: [] };
const READ = 1;
const WRITE = 2;
const NONE = { access: 0, deny: 0 };

describe("NFSv4 OPEN share reservations", () => {
  const { metadata, files } = useMemoryFiles("/export");
  let n = 0;
  const file = async () => {
    const dir = files.resolve(ROOT, metadata.rootHandle("/export"));
    const made = await files.create(dir, `o${n++}`, { mode: 0o644 }, { mode: "guarded" });
    return files.resolve(ROOT, made.handle);
  };
  const a = { clientId: 1n, ownerHex: "aa", reclaim: false };
  const b = { clientId: 2n, ownerHex: "bb", reclaim: false };

  it("refuses an OPEN that conflicts with another owner's deny or access, SMB's included", async () => {
    const f = await file();
    expect(reserveOpen(files, f, a, NONE, { access: READ, deny: WRITE })).toEqual({
      access: READ,
      deny: WRITE,
    });
    expect(() => reserveOpen(files, f, b, NONE, { access: WRITE, deny: 0 })).toThrow(
      expect.objectContaining({ code: "SHARE_DENIED" }),
    );
    expect(() => files.reserve(f, { owner: "smb:9:9:", access: WRITE, deny: 0 })).toThrow(
      expect.objectContaining({ code: "EBUSY" }),
    );
    reserveOpen(files, f, b, NONE, { access: READ, deny: 0 });
    releaseOpen(files, f, a);
    reserveOpen(files, f, b, { access: READ, deny: 0 }, { access: WRITE, deny: 0 });
    // An SMB open that does not share reading refuses a v4 OPEN for reading.
    const g = await file();
    files.reserve(g, { owner: "smb:9:9:", access: READ, deny: READ });
    expect(() => reserveOpen(files, g, a, NONE, { access: READ, deny: 0 })).toThrow(
      expect.objectContaining({ code: "SHARE_DENIED" }),
    );
    files.unreserve(g, "smb:9:9:");
    releaseOpen(files, f, b);
  });

  it("unions an owner's OPENs and lets OPEN_DOWNGRADE go to a subset only", async () => {
    const f = await file();
    const held = reserveOpen(files, f, a, { access: READ, deny: 0 }, { access: WRITE, deny: WRITE });
    expect(held).toEqual({ access: READ | WRITE, deny: WRITE });
    expect(() => downgradeOpen(files, f, a, held, { access: READ, deny: READ })).toThrow(
      expect.objectContaining({ code: "INVAL" }),
    );
    expect(() => downgradeOpen(files, f, a, held, { access: 0, deny: 0 })).toThrow(
      expect.objectContaining({ code: "INVAL" }),
    );
    expect(downgradeOpen(files, f, a, held, { access: READ, deny: 0 })).toEqual({ access: READ, deny: 0 });
    // The downgrade released the deny: another owner may now open for writing.
    reserveOpen(files, f, b, NONE, { access: WRITE, deny: 0 });
    expect(() => reserveOpen(files, f, b, NONE, { access: 0, deny: 0 })).toThrow(
      expect.objectContaining({ code: "INVAL" }),
    );
  });
});
