import { describe, expect, it } from "vitest";
import { garbageHandle, useHarness } from "../../testing/fixtures.ts";
import { ok } from "../../testing/nfs-client.ts";
import { NFS3ERR_BADHANDLE, NFS3ERR_STALE } from "../constants.ts";

const h = useHarness();

describe("FSSTAT (RFC 1813 §3.3.18)", () => {
  it("reports consistent space and file counts", async () => {
    const { client, root } = h();
    const r = ok(await client.fsstat(root));
    expect(r.tbytes).toBeGreaterThan(0n);
    expect(r.fbytes).toBeLessThanOrEqual(r.tbytes);
    expect(r.abytes).toBeLessThanOrEqual(r.fbytes);
    expect(r.ffiles).toBeLessThanOrEqual(r.tfiles);
    expect(r.attr).not.toBeNull();
    expect(r.invarsec).toBe(0);
  });

  it("answers STALE/BADHANDLE for an unknown handle", async () => {
    const { client, root } = h();
    expect([NFS3ERR_STALE, NFS3ERR_BADHANDLE]).toContain((await client.fsstat(garbageHandle(root))).status);
  });
});
