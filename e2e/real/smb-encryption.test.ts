/**
 * SMB 3.x encryption ([MS-SMB2] §3.3.4.1.4, §3.3.5.2.1.1) with smbclient (Samba 4.17) on
 * 127.0.0.1: `smbclient --client-protection=encrypt` (the `-e` of older releases) put/get byte-identical over SMB 3.1.1 (each cipher the client can be
 * limited to) and SMB 3.0 (AES-128-CCM); a server that requires encryption serves a default SMB3
 * client (it turns encryption on from SMB2_SESSION_FLAG_ENCRYPT_DATA) and refuses an SMB 2.1 client
 * with NT_STATUS_ACCESS_DENIED; a share in `encryptedShares` does the same for its tree only.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shareInfo } from "../../apps/daemon/src/protocols/smb/testing/context.ts";
import {
  ALICE,
  type SmbHarness,
  startSmbHarness,
} from "../../apps/daemon/src/protocols/smb/testing/harness.ts";
import { smbclient } from "./smb-helpers.ts";

const FILE_BYTES = 4 * 1024 * 1024 + 123;
/** At debug level 10 libsmb logs each message it encrypts (smb2_signing_encrypt_pdu). */
const DEBUG = ["-d", "10"];
const ENCRYPTED = "Encrypted SMB2 message";
const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

function setup(settings: Record<string, unknown>, shares?: string[]) {
  const s: { h: SmbHarness; dir: string; sum: string } = { h: null!, dir: "", sum: "" };
  beforeAll(async () => {
    s.h = await startSmbHarness({ settings, shares: shares?.map((n) => shareInfo(n)) });
    s.dir = mkdtempSync(join(tmpdir(), "smb-enc-"));
    writeFileSync(join(s.dir, "big.bin"), randomBytes(FILE_BYTES));
    s.sum = sha256(join(s.dir, "big.bin"));
  });
  afterAll(async () => {
    await s.h?.stop();
    if (s.dir) rmSync(s.dir, { recursive: true, force: true });
  });
  return s;
}

const target = (h: SmbHarness, share?: string) => ({
  port: h.port,
  user: ALICE.user,
  password: ALICE.password,
  share,
});

describe("smbclient -e against DittoFS SMB", () => {
  const s = setup({});

  it.each([
    ["SMB3_11", "AES-128-GCM"],
    ["SMB3_11", "AES-128-CCM"],
    ["SMB3_11", "AES-256-GCM"],
    ["SMB3_11", "AES-256-CCM"],
    ["SMB3_00", "AES-128-CCM"],
  ])("%s %s: put/get byte-identical", async (proto, cipher) => {
    const tag = `${proto}-${cipher}`;
    const opts = [`client min protocol=${proto}`, `client max protocol=${proto}`];
    if (proto === "SMB3_11") opts.push(`client smb3 encryption algorithms=${cipher}`);
    const r = await smbclient(
      target(s.h),
      `put big.bin e-${tag}.bin; get e-${tag}.bin got-${tag}.bin; ls e-${tag}.bin`,
      s.dir,
      opts,
      ["--client-protection=encrypt"],
    );
    expect(r.code, r.out).toBe(0);
    expect(sha256(join(s.dir, `got-${tag}.bin`))).toBe(s.sum);
  });
});

describe("DittoFS SMB with encryptionRequired", () => {
  const s = setup({ encryptionRequired: true });

  it("serves a default SMB 3.1.1 client, which encrypts because the session says so", async () => {
    writeFileSync(join(s.dir, "r.txt"), "required\n");
    const r = await smbclient(
      target(s.h),
      "put r.txt r.txt; get r.txt back.txt",
      s.dir,
      ["client max protocol=SMB3_11"],
      DEBUG,
    );
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(ENCRYPTED);
    expect(readFileSync(join(s.dir, "back.txt"), "utf8")).toBe("required\n");
  });

  it("refuses an SMB 2.1 client, which cannot encrypt, with NT_STATUS_ACCESS_DENIED", async () => {
    const r = await smbclient(target(s.h), "ls", s.dir, ["client max protocol=SMB2_10"]);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain("NT_STATUS_ACCESS_DENIED");
  });
});

describe("DittoFS SMB with an encrypted share", () => {
  const s = setup({ encryptedShares: ["/secret"] }, ["/export", "/secret"]);

  it("an SMB 2.1 client gets the plain share but NT_STATUS_ACCESS_DENIED on the encrypted one", async () => {
    const plain = await smbclient(target(s.h), "ls", s.dir, ["client max protocol=SMB2_10"]);
    expect(plain.code, plain.out).toBe(0);
    const secret = await smbclient(target(s.h, "secret"), "ls", s.dir, ["client max protocol=SMB2_10"]);
    expect(secret.code).not.toBe(0);
    expect(secret.out).toContain("NT_STATUS_ACCESS_DENIED");
  });

  it("an SMB 3.1.1 client encrypts on the encrypted share (SMB2_SHAREFLAG_ENCRYPT_DATA)", async () => {
    writeFileSync(join(s.dir, "s.txt"), "secret\n");
    const r = await smbclient(
      target(s.h, "secret"),
      "put s.txt s.txt; get s.txt s-back.txt",
      s.dir,
      ["client max protocol=SMB3_11"],
      DEBUG,
    );
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(ENCRYPTED);
    expect(readFileSync(join(s.dir, "s-back.txt"), "utf8")).toBe("secret\n");
  });
});
