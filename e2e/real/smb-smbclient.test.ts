/**
 * smbclient (Debian Samba 4.17) against the DittoFS SMB adapter on 127.0.0.1: a 64 MiB put/get
 * with checksum, mkdir, rename, rm, rmdir and allinfo, on SMB 2.0.2 and 3.1.1, signed and
 * unsigned; a wrong password is a logon failure; a read-only user cannot put; a server that
 * requires signing serves a signing client.
 */
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ALICE,
  BOB,
  type SmbHarness,
  startSmbHarness,
} from "../../apps/daemon/src/protocols/smb/testing/harness.ts";

const run = promisify(execFile);
const FILE_BYTES = 64 * 1024 * 1024;

interface Result {
  code: number;
  out: string;
}

export async function smbclient(
  port: number,
  user: string,
  password: string,
  cmds: string,
  opts: string[],
  cwd: string,
): Promise<Result> {
  const args = [
    `//127.0.0.1/export`,
    "-p",
    String(port),
    "-U",
    `${user}%${password}`,
    ...opts.flatMap((o) => ["--option", o]),
    "-c",
    cmds,
  ];
  try {
    const { stdout, stderr } = await run("smbclient", args, {
      cwd,
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof err.code === "number" ? err.code : 1,
      out: `${err.stdout ?? ""}${err.stderr ?? ""}`,
    };
  }
}

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

describe("smbclient against DittoFS SMB", () => {
  let h: SmbHarness;
  let dir: string;
  let sum: string;

  beforeAll(async () => {
    h = await startSmbHarness();
    dir = mkdtempSync(join(tmpdir(), "smbclient-"));
    writeFileSync(join(dir, "big.bin"), randomBytes(FILE_BYTES));
    sum = sha256(join(dir, "big.bin"));
  });

  afterAll(async () => {
    await h?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const matrix = [
    ["SMB2_02", "off"],
    ["SMB2_02", "required"],
    ["SMB3_11", "off"],
    ["SMB3_11", "required"],
  ] as const;

  it.each(matrix)(
    "%s signing=%s: put/get 64 MiB, mkdir, rename, allinfo, rm, rmdir",
    async (proto, signing) => {
      const tag = `${proto}-${signing}`;
      const opts = [
        `client min protocol=${proto}`,
        `client max protocol=${proto}`,
        `client signing=${signing}`,
      ];
      const put = await smbclient(
        h.port,
        ALICE.user,
        ALICE.password,
        `mkdir d-${tag}; put big.bin d-${tag}\\a.bin; rename d-${tag}\\a.bin d-${tag}\\b.bin; get d-${tag}\\b.bin got-${tag}.bin; allinfo d-${tag}\\b.bin; ls d-${tag}\\*`,
        opts,
        dir,
      );
      expect(put.code, put.out).toBe(0);
      expect(sha256(join(dir, `got-${tag}.bin`))).toBe(sum);
      expect(put.out).toMatch(/attributes: A/);
      expect(put.out).toMatch(new RegExp(`b\\.bin\\s+A\\s+${FILE_BYTES}`));
      rmSync(join(dir, `got-${tag}.bin`));
      const clean = await smbclient(
        h.port,
        ALICE.user,
        ALICE.password,
        `rm d-${tag}\\b.bin; rmdir d-${tag}; ls`,
        opts,
        dir,
      );
      expect(clean.code, clean.out).toBe(0);
      expect(clean.out).not.toContain(`d-${tag}`);
      const gone = await h.metadata
        .lookup({ uid: 0, gid: 0, gids: [] }, h.metadata.rootHandle("/export"), `d-${tag}`)
        .catch((e) => e);
      expect(gone).toMatchObject({ code: "ENOENT" });
    },
  );

  it("answers a wrong password with NT_STATUS_LOGON_FAILURE", async () => {
    const r = await smbclient(h.port, ALICE.user, "not-the-password", "ls", [], dir);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain("NT_STATUS_LOGON_FAILURE");
  });

  it("lets a read-only user list and get but not put", async () => {
    writeFileSync(join(dir, "small.txt"), "read-only check\n");
    const seed = await smbclient(h.port, ALICE.user, ALICE.password, "put small.txt shared.txt", [], dir);
    expect(seed.code, seed.out).toBe(0);
    const r = await smbclient(
      h.port,
      BOB.user,
      BOB.password,
      "get shared.txt bob.txt; put small.txt bob-put.txt",
      [],
      dir,
    );
    expect(r.out).toContain("NT_STATUS_ACCESS_DENIED");
    expect(readFileSync(join(dir, "bob.txt"), "utf8")).toBe("read-only check\n");
    const ls = await smbclient(h.port, ALICE.user, ALICE.password, "ls", [], dir);
    expect(ls.out).not.toContain("bob-put.txt");
  });
});

describe("smbclient against DittoFS SMB with signing required by the server", () => {
  let h: SmbHarness;
  let dir: string;

  beforeAll(async () => {
    h = await startSmbHarness({ settings: { signingRequired: true } });
    dir = mkdtempSync(join(tmpdir(), "smbclient-signed-"));
  });
  afterAll(async () => {
    await h?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(["SMB2_02", "SMB3_00", "SMB3_11"])("%s: a default client signs and transfers", async (proto) => {
    writeFileSync(join(dir, "s.txt"), `signed ${proto}\n`);
    const opts = [`client min protocol=${proto}`, `client max protocol=${proto}`];
    const r = await smbclient(
      h.port,
      ALICE.user,
      ALICE.password,
      `put s.txt s-${proto}.txt; get s-${proto}.txt back-${proto}.txt`,
      opts,
      dir,
    );
    expect(r.code, r.out).toBe(0);
    expect(readFileSync(join(dir, `back-${proto}.txt`), "utf8")).toBe(`signed ${proto}\n`);
  });
});
