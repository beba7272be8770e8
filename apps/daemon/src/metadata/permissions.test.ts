import { describe, expect, it } from "vitest";
import { decodeHandle, encodeHandle, HANDLE_BYTES, shareKey } from "./handle.ts";
import type { InodeRecord } from "./metadata-store.ts";
import { accessMask, effectiveIdentity, mayAccess, R, requireStickyOk, W, X } from "./permissions.ts";
import { share } from "./testing/conformance/harness.ts";
import { ACCESS_EXECUTE, ACCESS_LOOKUP, ACCESS_READ } from "./types.ts";

const rec = (mode: number, uid = 10, gid = 20, type: InodeRecord["type"] = "file") =>
  ({ mode, uid, gid, type }) as InodeRecord;

describe("effectiveIdentity", () => {
  it("keeps callers as they are without squash", () => {
    expect(effectiveIdentity(share(), { uid: 0, gid: 0, gids: [0, 4] })).toEqual({
      uid: 0,
      gid: 0,
      gids: [0, 4],
    });
  });
  it("is the caller itself, no new object, when nothing is squashed (every READ and WRITE asks)", () => {
    const caller = { uid: 5, gid: 6, gids: [7] };
    expect(effectiveIdentity(share(), caller)).toBe(caller);
    expect(effectiveIdentity(share({ squash: "root_squash" }), caller)).toBe(caller);
  });
  it("maps uid 0, and group 0 of other users, under root_squash", () => {
    const s = share({ squash: "root_squash", anonUid: 99, anonGid: 98 });
    expect(effectiveIdentity(s, { uid: 0, gid: 5, gids: [7] })).toEqual({ uid: 99, gid: 98, gids: [] });
    expect(effectiveIdentity(s, { uid: 5, gid: 0, gids: [0, 7] })).toEqual({
      uid: 5,
      gid: 98,
      gids: [98, 7],
    });
  });
  it("maps everyone under all_squash and bounds supplementary groups", () => {
    const s = share({ squash: "all_squash", anonUid: 99, anonGid: 98 });
    expect(effectiveIdentity(s, { uid: 5, gid: 6, gids: [7] })).toEqual({ uid: 99, gid: 98, gids: [] });
    const many = Array.from({ length: 500 }, (_, i) => i + 100);
    expect(effectiveIdentity(share(), { uid: 5, gid: 6, gids: many }).gids.length).toBe(64);
  });
});

describe("mode checks", () => {
  it("decides by the first matching class", () => {
    expect(mayAccess({ uid: 10, gid: 20, gids: [] }, rec(0o077), R)).toBe(false);
    expect(mayAccess({ uid: 11, gid: 20, gids: [] }, rec(0o070), R | W | X)).toBe(true);
    expect(mayAccess({ uid: 11, gid: 1, gids: [20] }, rec(0o070), W)).toBe(true);
    expect(mayAccess({ uid: 11, gid: 1, gids: [20] }, rec(0o707), W)).toBe(false);
    expect(mayAccess({ uid: 11, gid: 1, gids: [] }, rec(0o007), W)).toBe(true);
  });
  it("adds the rwx a stored ACL granted the call (Caller.aclBits) to the caller's class bits", () => {
    const id = effectiveIdentity(share(), { uid: 11, gid: 1, gids: [], aclBits: R });
    expect(mayAccess(id, rec(0o700), R)).toBe(true);
    expect(mayAccess(id, rec(0o700), W)).toBe(false);
    expect(mayAccess(effectiveIdentity(share(), { uid: 11, gid: 1, gids: [] }), rec(0o700), R)).toBe(false);
    // all_squash keeps what the file service decided for the squashed identity.
    const squashed = share({ squash: "all_squash", anonUid: 99, anonGid: 98 });
    expect(effectiveIdentity(squashed, { uid: 5, gid: 6, gids: [], aclBits: W }).aclBits).toBe(W);
  });
  it("lets root through except executing a file without any x bit", () => {
    const root = { uid: 0, gid: 0, gids: [] };
    expect(mayAccess(root, rec(0), R | W)).toBe(true);
    expect(mayAccess(root, rec(0o600), X)).toBe(false);
    expect(mayAccess(root, rec(0o001), X)).toBe(true);
    expect(mayAccess(root, rec(0, 1, 1, "dir"), X)).toBe(true);
    expect(accessMask(root, rec(0o700, 1, 1, "dir"), 0x3f, true)).toBe(ACCESS_READ | ACCESS_LOOKUP);
    expect(accessMask(root, rec(0o100), ACCESS_EXECUTE, false)).toBe(ACCESS_EXECUTE);
  });
  it("applies the sticky bit only to non-owners", () => {
    const dir = rec(0o1777, 1, 1, "dir");
    const victim = rec(0o644, 2, 2);
    expect(() => requireStickyOk({ uid: 3, gid: 3, gids: [] }, dir, victim)).toThrow(
      expect.objectContaining({ code: "EPERM" }),
    );
    requireStickyOk({ uid: 2, gid: 3, gids: [] }, dir, victim);
    requireStickyOk({ uid: 1, gid: 3, gids: [] }, dir, victim);
    requireStickyOk({ uid: 0, gid: 3, gids: [] }, dir, victim);
    requireStickyOk({ uid: 3, gid: 3, gids: [] }, rec(0o777, 1, 1, "dir"), victim);
  });
});

describe("file handles", () => {
  it("round-trips and rejects malformed handles", () => {
    const key = shareKey("/export");
    const h = encodeHandle(key, 0xdeadbeef, 2n ** 63n + 5n);
    expect(h.length).toBe(HANDLE_BYTES);
    expect(decodeHandle(h)).toEqual({ key: key.toString("hex"), epoch: 0xdeadbeef, fileid: 2n ** 63n + 5n });
    expect(shareKey("/export").equals(key)).toBe(true);
    expect(shareKey("/other").equals(key)).toBe(false);
    const bad = [
      Buffer.alloc(0),
      Buffer.alloc(64),
      Buffer.concat([h, Buffer.alloc(1)]),
      encodeHandle(key, 1, 0n),
    ];
    const wrongVersion = Buffer.from(h);
    wrongVersion[0] = 9;
    for (const b of [...bad, wrongVersion]) {
      expect(() => decodeHandle(b)).toThrow(expect.objectContaining({ code: "EBADHANDLE" }));
    }
  });
});
