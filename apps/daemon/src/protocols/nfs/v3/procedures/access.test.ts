import { describe, expect, it } from "vitest";
import {
  ACCESS_DELETE,
  ACCESS_EXECUTE,
  ACCESS_EXTEND,
  ACCESS_LOOKUP,
  ACCESS_MODIFY,
  ACCESS_READ,
} from "../../../../metadata/types.ts";
import { garbageHandle, uniq, useHarness } from "../../testing/fixtures.ts";
import { makeFile } from "../../testing/harness.ts";
import { ok } from "../../testing/nfs-client.ts";
import { NFS3ERR_BADHANDLE, NFS3ERR_STALE } from "../constants.ts";

const h = useHarness();
const ALL = ACCESS_READ | ACCESS_LOOKUP | ACCESS_MODIFY | ACCESS_EXTEND | ACCESS_DELETE | ACCESS_EXECUTE;

describe("ACCESS (RFC 1813 §3.3.4)", () => {
  it("answers truthfully from mode bits: owner, other, and only bits asked for", async () => {
    const { client, root } = h();
    const fh = await makeFile(client, root, uniq());
    ok(await client.setattr(fh, { uid: 1000, gid: 1000, mode: 0o640 }));
    const owner = ok(await client.as(1000, 1000).access(fh, ACCESS_READ | ACCESS_MODIFY | ACCESS_EXECUTE));
    expect(owner.access).toBe(ACCESS_READ | ACCESS_MODIFY);
    expect(owner.attr?.mode).toBe(0o640);
    const group = ok(await client.as(2000, 1000).access(fh, ACCESS_READ | ACCESS_MODIFY));
    expect(group.access).toBe(ACCESS_READ);
    const other = ok(await client.as(3000, 3000).access(fh, ALL));
    expect(other.access & (ACCESS_READ | ACCESS_MODIFY)).toBe(0);
    expect(ok(await client.access(fh, ACCESS_READ)).access).toBe(ACCESS_READ);
  });

  it("fails with STALE or BADHANDLE for unknown handles", async () => {
    const { client, root } = h();
    expect([NFS3ERR_STALE, NFS3ERR_BADHANDLE]).toContain(
      (await client.access(garbageHandle(root), ALL)).status,
    );
  });
});
