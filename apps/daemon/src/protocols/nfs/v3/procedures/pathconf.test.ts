import { describe, expect, it } from "vitest";
import { garbageHandle, useHarness } from "../../testing/fixtures.ts";
import { ok } from "../../testing/nfs-client.ts";
import { NFS3ERR_BADHANDLE, NFS3ERR_STALE } from "../constants.ts";

const h = useHarness();

describe("PATHCONF (RFC 1813 §3.3.20)", () => {
  it("reports POSIX limits of a case-sensitive export", async () => {
    const { client, root } = h();
    const r = ok(await client.pathconf(root));
    expect(r).toMatchObject({
      nameMax: 255,
      noTrunc: true,
      chownRestricted: true,
      caseInsensitive: false,
      casePreserving: true,
    });
    expect(r.linkmax).toBeGreaterThan(1);
  });

  it("answers STALE/BADHANDLE for an unknown handle", async () => {
    const { client, root } = h();
    expect([NFS3ERR_STALE, NFS3ERR_BADHANDLE]).toContain((await client.pathconf(garbageHandle(root))).status);
  });
});
