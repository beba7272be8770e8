import { describe, expect, it } from "vitest";
import type { Principal } from "../domain/identity.ts";
import { SnapshotIdentityDirectory } from "./identity.ts";

const nt = Buffer.alloc(16, 7);
const ALICE: Principal = {
  username: "alice",
  uid: 1000,
  gid: 1000,
  gids: [10_000, 10_001],
  role: "user",
  enabled: true,
  ntHash: nt,
};

function directory() {
  return new SnapshotIdentityDirectory({
    principals: [
      ALICE,
      {
        username: "bob",
        uid: 1001,
        gid: 10_002,
        gids: [10_002],
        role: "operator",
        enabled: false,
        ntHash: null,
      },
      { username: "carol", uid: 1000, gid: 1000, gids: [1000], role: "user", enabled: true, ntHash: null },
    ],
    groups: [
      { name: "staff", gid: 10_000 },
      { name: "ops", gid: 10_001 },
      { name: "primary", gid: 10_002 },
    ],
    permissions: [
      { share: "/export", user: null, group: "staff", level: "read" },
      { share: "/export", user: null, group: "ops", level: "read-write" },
      { share: "/export", user: null, group: "primary", level: "admin" },
      { share: "/private", user: "alice", group: null, level: "none" },
      { share: "/private", user: null, group: "staff", level: "admin" },
    ],
  });
}

describe("SnapshotIdentityDirectory", () => {
  it("resolves principals by name and uid", () => {
    const dir = directory();
    expect(dir.byName("alice")).toEqual(ALICE);
    expect(dir.byUid(1000)?.username).toBe("alice");
    expect(dir.byName("bob")?.enabled).toBe(false);
    expect(dir.byName("nobody")).toBeUndefined();
    expect(dir.byUid(4242)).toBeUndefined();
  });

  it("takes the user's own grant first, else the best group grant, else none", () => {
    const dir = directory();
    expect(dir.permission(dir.byName("alice")!, "/export")).toBe("read-write");
    expect(dir.permission(dir.byName("alice")!, "/private")).toBe("none");
    // bob's primary gid is the group "primary": primary groups count as membership.
    expect(dir.permission(dir.byName("bob")!, "/export")).toBe("admin");
    expect(dir.permission(dir.byName("carol")!, "/export")).toBe("none");
    expect(dir.permission(dir.byName("alice")!, "/unknown")).toBe("none");
  });
});
