import { describe, expect, it } from "vitest";
import { NFS4ERR_BADOWNER } from "../constants.ts";
import { groupString, type OwnerMap, ownerString, parseGroup, parseOwner } from "./owner.ts";

const alice = { username: "alice", uid: 1001 };
const identity: OwnerMap["identity"] = {
  byUid: (uid) => (uid === alice.uid ? (alice as never) : undefined),
  byName: (name) => (name === alice.username ? (alice as never) : undefined),
};

describe("owner / owner_group strings (RFC 8881 §5.9)", () => {
  it("are numeric without a domain and name@domain for known users with one", () => {
    expect(ownerString({ domain: null, identity }, 1001)).toBe("1001");
    expect(ownerString({ domain: "example.org", identity }, 1001)).toBe("alice@example.org");
    expect(ownerString({ domain: "example.org", identity }, 7)).toBe("7");
    expect(groupString(100)).toBe("100");
  });

  it("accept numeric ids, numeric@domain and known names of the configured domain", () => {
    const m = { domain: "example.org", identity };
    expect(parseOwner(m, "42")).toBe(42);
    expect(parseOwner(m, "42@elsewhere")).toBe(42);
    expect(parseOwner(m, "alice@example.org")).toBe(1001);
    expect(parseOwner(m, "alice")).toBe(1001);
    expect(parseGroup("100@example.org")).toBe(100);
    for (const bad of ["alice@other.org", "mallory@example.org", "99999999999"]) {
      expect(() => parseOwner(m, bad)).toThrow(expect.objectContaining({ status: NFS4ERR_BADOWNER }));
    }
    expect(() => parseOwner({ domain: null, identity }, "alice@example.org")).toThrow();
    expect(() => parseGroup("staff")).toThrow(expect.objectContaining({ status: NFS4ERR_BADOWNER }));
  });
});
