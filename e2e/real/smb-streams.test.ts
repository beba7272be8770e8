/**
 * Named streams ([MS-FSCC] §2.1.4) through smbclient (Samba 4.17) against the DittoFS SMB adapter
 * on 127.0.0.1: `put x "f:s"` creates the file and its stream and `get "f:s"` reads it back byte
 * for byte; allinfo lists the stream (FileStreamInformation) beside the file's own data; the
 * stream goes with its file.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ALICE,
  type SmbHarness,
  startSmbHarness,
} from "../../apps/daemon/src/protocols/smb/testing/harness.ts";
import { type SmbTarget, smbclient } from "./smb-helpers.ts";

/** Several SMB2 WRITEs (smbclient writes 64 KiB at most per call) into one stream. */
const STREAM_BYTES = 300_000;

describe("named streams through smbclient", () => {
  let h: SmbHarness;
  let dir: string;
  let t: SmbTarget;

  beforeAll(async () => {
    h = await startSmbHarness();
    t = { port: h.port, user: ALICE.user, password: ALICE.password };
    dir = mkdtempSync(join(tmpdir(), "smb-streams-"));
    writeFileSync(join(dir, "x"), randomBytes(STREAM_BYTES));
    writeFileSync(join(dir, "base"), "the file's own data");
  });

  afterAll(async () => {
    await h?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const proto of ["SMB2_02", "SMB3_11"]) {
    it(`put x "f:s" then get it back byte-identical (${proto})`, async () => {
      const f = `f-${proto}`;
      const opts = [`client max protocol = ${proto}`, `client min protocol = ${proto}`];
      const r = await smbclient(t, `put x "${f}:s"; get "${f}:s" back-${proto}; allinfo ${f}`, dir, opts);
      expect(r.code, r.out).toBe(0);
      expect(readFileSync(join(dir, `back-${proto}`)).equals(readFileSync(join(dir, "x")))).toBe(true);
      // allinfo prints the streams FileStreamInformation lists, with their sizes.
      expect(r.out).toContain(`stream: [::$DATA], 0 bytes`);
      expect(r.out).toContain(`stream: [:s:$DATA], ${STREAM_BYTES} bytes`);
    });
  }

  it("keeps the file's data apart from its stream and removes streams with the file", async () => {
    let r = await smbclient(t, `put base g; put x "g:extra"; get g g.back; allinfo g`, dir);
    expect(r.code, r.out).toBe(0);
    expect(readFileSync(join(dir, "g.back"), "utf8")).toBe("the file's own data");
    expect(r.out).toContain(`stream: [:extra:$DATA], ${STREAM_BYTES} bytes`);
    r = await smbclient(t, `rm g; put base g; allinfo g; get "g:extra" gone`, dir);
    expect(r.out).not.toContain(":extra:$DATA");
    expect(r.out).toContain("NT_STATUS_OBJECT_NAME_NOT_FOUND");
  });
});
