import { describe, expect, it } from "vitest";
import { useMemoryFiles } from "./testing/memory-files.ts";
import type { FileCall } from "./types.ts";

const ROOT = { uid: 0, gid: 0, gids: [] };
const ALICE = { uid: 1001, gid: 1001, gids: [] };
const READ = 0x1;

describe("stored ACL and chown", () => {
  const { metadata, files } = useMemoryFiles("/export");
  const root = (who = ALICE): FileCall => files.resolve(who, metadata.rootHandle("/export"));

  it("recomputes the mode for the new group, so NFS never gets more than the ACL", async () => {
    const opened = await files.open(root(), {
      path: ["f"],
      disposition: "create",
      dosAttributes: 0,
      admit: async () => {},
    });
    const f = files.resolve(ALICE, opened.target.handle);
    await files.setattr(files.resolve(ROOT, f.handle), { attrs: { gid: 50 } });
    // Everyone reads but group 50: its members are the group class, so only others read.
    const dacl = {
      control: 0,
      aces: [
        { type: 1 as const, flags: 0, mask: READ, sid: "S-1-22-2-50" },
        { type: 0 as const, flags: 0, mask: READ, sid: "S-1-1-0" },
      ],
    };
    expect((await files.setSecurity(f, { dacl })).mode & 0o777).toBe(0o404);
    // Group 50's members are others now: others may not read either; the ACL stays.
    const { after } = await files.setattr(f, { attrs: { gid: 1001 } });
    expect([after.gid, after.mode & 0o777]).toEqual([1001, 0o400]);
    expect((await files.security(f)).dacl).toEqual(dacl);
    // A chmod replaces the ACL: the mode is the truth again.
    await files.setattr(f, { attrs: { mode: 0o644 } });
    expect((await files.security(f)).dacl?.aces).toHaveLength(3);
  });
});
