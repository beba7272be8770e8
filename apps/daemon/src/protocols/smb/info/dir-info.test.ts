import { describe, expect, it } from "vitest";
import { compilePattern, hasWildcards } from "./dir-info.ts";

describe("wildcards", () => {
  it("matches * and ? case-insensitively", () => {
    const m = compilePattern("file?.T*");
    expect(m("FILE1.txt")).toBe(true);
    expect(m("file12.txt")).toBe(false);
    expect(m("file1.dat")).toBe(false);
    expect(compilePattern("*")("anything")).toBe(true);
    expect(compilePattern("a.b")("a.b")).toBe(true);
    expect(compilePattern("a.b")("axb")).toBe(false);
    expect(hasWildcards("plain.txt")).toBe(false);
    expect(hasWildcards("p*")).toBe(true);
  });
});
