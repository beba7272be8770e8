import { describe, expect, it } from "vitest";
import { assertBlockKey, blockKey, parseBlockIndex } from "../block-store/keys.ts";
import { newVersion, parseVersionedKey, versionedBlockKey, versionTimeMs } from "./versions.ts";

describe("versioned block keys", () => {
  it("round-trips payload, block index and version; the version carries the upload time", () => {
    const v = newVersion(1_700_000_000_123);
    expect(versionTimeMs(v)).toBe(1_700_000_000_123);
    const key = versionedBlockKey("p-1", 16 * 3 + 5, v);
    expect(key).toBe(`p-1/chunk-3/block-5-v${v}`);
    assertBlockKey(key);
    expect(parseVersionedKey(key)).toEqual({ key, payloadId: "p-1", block: 53, version: v });
  });

  it("unversioned keys are not versioned ones and versioned ones are invisible to the old GC", () => {
    expect(parseVersionedKey(blockKey("p", 2))).toBeNull();
    expect(parseVersionedKey("p/chunk-0/block-16-v0123456789abcdef0123")).toBeNull();
    expect(parseBlockIndex(versionedBlockKey("p", 2, newVersion()))).toBe(-1);
  });

  it("two versions made in the same millisecond differ", () => {
    const now = Date.now();
    const seen = new Set(Array.from({ length: 100 }, () => newVersion(now)));
    expect(seen.size).toBe(100);
  });
});
