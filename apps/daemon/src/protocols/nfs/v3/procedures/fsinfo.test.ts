import { describe, expect, it } from "vitest";
import { garbageHandle, useHarness } from "../../testing/fixtures.ts";
import { ok } from "../../testing/nfs-client.ts";
import {
  FSF3_CANSETTIME,
  FSF3_HOMOGENEOUS,
  FSF3_LINK,
  FSF3_SYMLINK,
  NFS3ERR_BADHANDLE,
  NFS3ERR_STALE,
} from "../constants.ts";

const h = useHarness();

describe("FSINFO (RFC 1813 §3.3.19)", () => {
  it("advertises 1 MiB reads and writes, ns time and link/symlink support", async () => {
    const { client, root } = h();
    const r = ok(await client.fsinfo(root));
    expect(r).toMatchObject({
      rtmax: 1 << 20,
      rtpref: 1 << 20,
      wtmax: 1 << 20,
      wtpref: 1 << 20,
      timeDelta: [0, 1],
    });
    expect(r.rtmult).toBe(4096);
    expect(r.properties).toBe(FSF3_LINK | FSF3_SYMLINK | FSF3_HOMOGENEOUS | FSF3_CANSETTIME);
    expect(r.maxfilesize).toBeGreaterThan(1n << 40n);
  });

  it("answers STALE/BADHANDLE for an unknown handle", async () => {
    const { client, root } = h();
    expect([NFS3ERR_STALE, NFS3ERR_BADHANDLE]).toContain((await client.fsinfo(garbageHandle(root))).status);
  });
});
