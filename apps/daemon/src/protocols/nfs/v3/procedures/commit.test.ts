import { describe, expect, it } from "vitest";
import { wcc } from "../../testing/decode.ts";
import { uniq, useHarness } from "../../testing/fixtures.ts";
import { makeFile } from "../../testing/harness.ts";
import { failed, ok } from "../../testing/nfs-client.ts";
import { NFS3ERR_ISDIR, NFS3ERR_STALE } from "../constants.ts";

const h = useHarness();

describe("COMMIT (RFC 1813 §3.3.21)", () => {
  it("commits unstable writes and returns the WRITE verifier", async () => {
    const { client, root } = h();
    const fh = await makeFile(client, root, uniq());
    const w = ok(await client.write(fh, 0, Buffer.alloc(5000, 3)));
    const c = ok(await client.commit(fh, 0, 0));
    expect(c.verf.equals(w.verf)).toBe(true);
    expect(c.wcc.before?.size).toBe(5000n);
    expect(c.wcc.after?.size).toBe(5000n);
  });

  it("answers ISDIR for a directory and STALE for a removed file, with wcc_data", async () => {
    const { client, root } = h();
    const r = failed(await client.commit(root));
    expect(r.status).toBe(NFS3ERR_ISDIR);
    expect(wcc(r.fail).after).not.toBeNull();
    const name = uniq();
    const fh = await makeFile(client, root, name);
    ok(await client.remove(root, name));
    expect((await client.commit(fh)).status).toBe(NFS3ERR_STALE);
  });
});
