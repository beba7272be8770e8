import { describe, expect, it } from "vitest";
import { NFS_PROGRAM } from "../../rpc/constants.ts";
import { useHarness } from "../../testing/fixtures.ts";

const h = useHarness();

describe("NULL (RFC 1813 §3.3.0)", () => {
  it("answers with an empty result, with or without credentials", async () => {
    const r1 = await h().client.rpc.call(NFS_PROGRAM, 3, 0, () => {});
    expect(r1.remaining).toBe(0);
    const r2 = await h().client.rpc.call(NFS_PROGRAM, 3, 0, () => {}, h().client.auth);
    expect(r2.remaining).toBe(0);
  });
});
