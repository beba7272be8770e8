import { describe, expect, it } from "vitest";
import { shareInfo } from "../../testing/context.ts";
import { wcc } from "../../testing/decode.ts";
import { uniq, useHarness } from "../../testing/fixtures.ts";
import { failed, ok } from "../../testing/nfs-client.ts";
import { NF3DIR, NFS3ERR_EXIST, NFS3ERR_ROFS } from "../constants.ts";

const h = useHarness({ shares: [shareInfo("/export"), shareInfo("/ro", { readOnly: true })] });

describe("MKDIR (RFC 1813 §3.3.9)", () => {
  it("creates a directory and bumps the parent's nlink", async () => {
    const { client, root } = h();
    const before = ok(await client.getattr(root)).attr.nlink;
    const r = ok(await client.mkdir(root, uniq(), { mode: 0o750 }));
    expect(r.attr).toMatchObject({ type: NF3DIR, mode: 0o750 });
    expect(r.dir.after?.nlink).toBe(before + 1);
  });

  it("answers EXIST with wcc_data, and ROFS on a read-only share", async () => {
    const { client, root } = h();
    const name = uniq();
    ok(await client.mkdir(root, name));
    const r = failed(await client.mkdir(root, name));
    expect(r.status).toBe(NFS3ERR_EXIST);
    expect(wcc(r.fail).after?.type).toBe(NF3DIR);
    const ro = (await client.mount("/ro")).fh!;
    expect((await client.mkdir(ro, "x")).status).toBe(NFS3ERR_ROFS);
  });
});
