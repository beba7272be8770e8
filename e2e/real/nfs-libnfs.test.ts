/**
 * libnfs-utils (a client whose protocol side we did not write) against the DittoFS NFS adapter
 * over the real services, on memory stores and on persistent ones (SQLite metadata, fs blocks,
 * WAL): nfs-ls, nfs-cp in and out of a 64 MiB file with checksum, nfs-cat; and on the persistent
 * stores, the file is still there after the server restarts on the same data directory.
 */
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NfsServer, startNfsServer } from "../../apps/daemon/src/protocols/nfs/testing/server.ts";

const run = promisify(execFile);
const BIG_BYTES = 64 * 1024 * 1024;

const url = (port: number, path: string) =>
  `nfs://127.0.0.1/export${path}?version=3&nfsport=${port}&mountport=${port}`;
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

for (const kind of ["memory", "persistent"] as const) {
  describe(`libnfs-utils against DittoFS (${kind} stores)`, () => {
    let dir: string;
    let server: NfsServer;
    let bigPath: string;
    let bigSum: string;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "dittofs-libnfs-"));
      server = await startNfsServer({
        stores: kind === "memory" ? "memory" : { dataDir: join(dir, "data") },
      });
      const big = randomBytes(BIG_BYTES);
      bigPath = join(dir, "big.bin");
      writeFileSync(bigPath, big);
      bigSum = sha(big);
    });

    afterAll(async () => {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it("nfs-cp copies 64 MiB in and out with a matching checksum", async () => {
      await run("nfs-cp", [bigPath, url(server.port, "/big.bin")]);
      const back = join(dir, "back.bin");
      await run("nfs-cp", [url(server.port, "/big.bin"), back]);
      expect(sha(readFileSync(back))).toBe(bigSum);
    });

    it("nfs-ls lists files and directories with sizes; nfs-cat prints a file", async () => {
      const small = join(dir, "hello.txt");
      writeFileSync(small, "hello from libnfs\n");
      await run("nfs-cp", [small, url(server.port, "/hello.txt")]);
      const { stdout: cat } = await run("nfs-cat", [url(server.port, "/hello.txt")]);
      expect(cat).toBe("hello from libnfs\n");
      const { stdout: ls } = await run("nfs-ls", [url(server.port, "/")]);
      const lines = ls.split("\n");
      const bigLine = lines.find((l) => / big\.bin$/.test(l));
      expect(bigLine).toMatch(new RegExp(`\\b${BIG_BYTES}\\b`));
      expect(lines.some((l) => / hello\.txt$/.test(l))).toBe(true);
    });

    it("nfs-ls -R walks a tree made through NFS", async () => {
      const small = join(dir, "leaf.txt");
      writeFileSync(small, "leaf");
      const { rootHandle } = { rootHandle: server.ctx.metadata.rootHandle("/export") };
      const caller = { uid: 0, gid: 0, gids: [] };
      const a = await server.ctx.metadata.mkdir(caller, rootHandle, "tree", { mode: 0o755 });
      await server.ctx.metadata.mkdir(caller, a.handle, "deeper", { mode: 0o755 });
      await run("nfs-cp", [small, url(server.port, "/tree/deeper/leaf.txt")]);
      const { stdout } = await run("nfs-ls", ["-R", url(server.port, "/tree")]);
      expect(stdout).toMatch(/deeper\/leaf\.txt/);
    });

    if (kind === "persistent") {
      it("still serves the 64 MiB file after the server restarts on the same data directory", async () => {
        await server.stop();
        server = await startNfsServer({ stores: { dataDir: join(dir, "data") } });
        const again = join(dir, "again.bin");
        await run("nfs-cp", [url(server.port, "/big.bin"), again]);
        expect(sha(readFileSync(again))).toBe(bigSum);
      });
    }
  });
}
