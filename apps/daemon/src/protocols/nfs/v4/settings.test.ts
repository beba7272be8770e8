import { describe, expect, it } from "vitest";
import { parseVersionSettings } from "./settings.ts";

const base = { host: "127.0.0.1", port: 0 };

describe("NFS version settings", () => {
  it("defaults to NFSv3 through 4.2 with a 90 s lease and numeric owners", () => {
    expect(parseVersionSettings(base)).toEqual({
      v3: true,
      v4: { minorMin: 0, minorMax: 2 },
      leaseSeconds: 90,
      idDomain: null,
    });
  });

  it("narrows the versions served", () => {
    expect(parseVersionSettings({ ...base, versionMin: "4.1" })).toMatchObject({
      v3: false,
      v4: { minorMin: 1, minorMax: 2 },
    });
    expect(parseVersionSettings({ ...base, versionMax: "3" })).toMatchObject({ v3: true, v4: null });
  });

  it("refuses bad values naming the key", () => {
    expect(() => parseVersionSettings({ ...base, versionMax: "5" })).toThrow(/settings\.versionMax/);
    expect(() => parseVersionSettings({ ...base, versionMin: "4.2", versionMax: "4.0" })).toThrow(
      /settings\.versionMin/,
    );
    expect(() => parseVersionSettings({ ...base, v4LeaseSeconds: 1 })).toThrow(/settings\.v4LeaseSeconds/);
    expect(() => parseVersionSettings({ ...base, v4IdDomain: "a b" })).toThrow(/settings\.v4IdDomain/);
  });
});
