import { describe, expect, it } from "vitest";
import { shareInfo } from "../../testing/context.ts";
import { shareForPath } from "./mnt.ts";

describe("shareForPath", () => {
  const shares = [shareInfo("/export"), shareInfo("/export/deep"), shareInfo("/other")];

  it("picks the longest share prefix and returns the rest as components", () => {
    expect(shareForPath(shares, "/export")).toMatchObject({ share: { name: "/export" }, rest: [] });
    expect(shareForPath(shares, "/export/a/./b/")).toMatchObject({
      share: { name: "/export" },
      rest: ["a", "b"],
    });
    expect(shareForPath(shares, "/export/deep/x")).toMatchObject({
      share: { name: "/export/deep" },
      rest: ["x"],
    });
  });

  it("does not match a mere string prefix", () => {
    expect(shareForPath(shares, "/exported")).toBeNull();
    expect(shareForPath(shares, "/nope")).toBeNull();
  });
});
