import { describe, expect, it } from "vitest";
import { SHARE_DELETE, SHARE_READ, SHARE_WRITE, ShareModes } from "./share-modes.ts";

const R = SHARE_READ;
const W = SHARE_WRITE;
const D = SHARE_DELETE;

describe("share reservations", () => {
  it("refuses access another owner denies and a deny of what another owner accesses", () => {
    const m = new ShareModes();
    m.reserve("f", { owner: "a:", access: R, deny: W });
    expect(() => m.reserve("f", { owner: "b:", access: W, deny: 0 })).toThrow(
      expect.objectContaining({ code: "EBUSY" }),
    );
    expect(() => m.reserve("f", { owner: "b:", access: R, deny: R })).toThrow(
      expect.objectContaining({ code: "EBUSY" }),
    );
    m.reserve("f", { owner: "b:", access: R, deny: W | D });
    // Another file is not affected.
    m.reserve("g", { owner: "c:", access: R | W, deny: R | W });
    expect(m.test("f", { owner: "c:", access: W, deny: 0 })?.owner).toBe("a:");
    expect(m.held("f").map((h) => h.owner)).toEqual(["a:", "b:"]);
  });

  it("lets a reservation that accesses nothing pass every deny and deny nothing", () => {
    const m = new ShareModes();
    m.reserve("f", { owner: "a:", access: R | W, deny: R | W | D });
    m.reserve("f", { owner: "attrs:", access: 0, deny: R | W | D });
    m.release("f", "a:");
    m.reserve("f", { owner: "b:", access: W, deny: 0 });
  });

  it("replaces an owner's reservation (upgrade, downgrade) checking other owners only", () => {
    const m = new ShareModes();
    m.reserve("f", { owner: "a:", access: R, deny: 0 });
    m.reserve("f", { owner: "a:", access: R | W, deny: R | W });
    expect(m.held("f")).toEqual([{ owner: "a:", access: R | W, deny: R | W }]);
    expect(() => m.reserve("f", { owner: "b:", access: R, deny: 0 })).toThrow(
      expect.objectContaining({ code: "EBUSY" }),
    );
    m.reserve("f", { owner: "a:", access: R, deny: W });
    m.reserve("f", { owner: "b:", access: R, deny: 0 });
    // A refused upgrade leaves the earlier reservation in place.
    expect(() => m.reserve("f", { owner: "b:", access: R | W, deny: 0 })).toThrow();
    expect(m.held("f")[1]).toEqual({ owner: "b:", access: R, deny: 0 });
  });

  it("releases one owner, or every owner under a prefix, and rejects unknown bits", () => {
    const m = new ShareModes();
    m.reserve("f", { owner: "nfs4:1:x:", access: R, deny: W });
    m.reserve("g", { owner: "nfs4:1:y:", access: W, deny: R });
    m.reserve("g", { owner: "nfs4:10:y:", access: W, deny: 0 });
    m.releaseAll("nfs4:1:");
    expect(m.held("f")).toEqual([]);
    expect(m.held("g").map((h) => h.owner)).toEqual(["nfs4:10:y:"]);
    m.release("g", "nfs4:10:y:");
    expect(m.held("g")).toEqual([]);
    expect(() => m.reserve("f", { owner: "a:", access: 8, deny: 0 })).toThrow(
      expect.objectContaining({ code: "EINVAL" }),
    );
  });

  it("tells whether another owner's open stream of a file denies deleting the file", () => {
    const m = new ShareModes();
    m.reserve("f:s1", { owner: "a:", access: R, deny: R | W });
    m.reserve("f:s2", { owner: "b:", access: R, deny: D });
    m.reserve("f:s3", { owner: "stat:", access: 0, deny: D });
    m.reserve("fx:s", { owner: "c:", access: R, deny: D });
    expect(m.streamDeniesDelete("f", "z:")).toBe(true);
    expect(m.streamDeniesDelete("f", "b:")).toBe(false);
    m.release("f:s2", "b:");
    // An attributes-only reservation denies nothing; another file's stream is another file's.
    expect(m.streamDeniesDelete("f", "z:")).toBe(false);
    m.releaseAll("c:");
    expect(m.streamDeniesDelete("fx", "z:")).toBe(false);
  });
});
