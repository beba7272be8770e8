/**
 * Hostile input against every NFSv3 procedure: each valid call truncated at every 4-byte
 * boundary and with random bytes flipped. The server must answer GARBAGE_ARGS or a proper
 * nfsstat3 (never SERVERFAULT, which would mean a handler crashed on input it accepted), and keep
 * serving.
 */
import { describe, expect, it } from "vitest";
import { prng } from "../../../domain/testing/prng.ts";
import { GARBAGE_ARGS, NFS_PROGRAM, SUCCESS } from "../rpc/constants.ts";
import { useHarness } from "../testing/fixtures.ts";
import { makeFile } from "../testing/harness.ts";
import { encodeSattr, ROOT_AUTH } from "../testing/nfs-client.ts";
import { XdrWriter } from "../xdr/writer.ts";
import * as c from "./constants.ts";

const h = useHarness();

function validCalls(root: Buffer, file: Buffer): [number, Buffer][] {
  const w = () => new XdrWriter();
  const sattr = (x: XdrWriter) => {
    encodeSattr(x, { mode: 0o644, size: 3, mtime: [1, 2] });
    return x;
  };
  return [
    [c.NFSPROC3_GETATTR, w().opaque(file).toBuffer()],
    [c.NFSPROC3_SETATTR, sattr(w().opaque(file)).bool(true).uint32(1).uint32(2).toBuffer()],
    [c.NFSPROC3_LOOKUP, w().opaque(root).string("f").toBuffer()],
    [c.NFSPROC3_ACCESS, w().opaque(file).uint32(0x3f).toBuffer()],
    [c.NFSPROC3_READLINK, w().opaque(file).toBuffer()],
    [c.NFSPROC3_READ, w().opaque(file).uint64(0).uint32(4096).toBuffer()],
    [
      c.NFSPROC3_WRITE,
      w().opaque(file).uint64(1).uint32(5).uint32(0).opaque(Buffer.from("hello")).toBuffer(),
    ],
    [c.NFSPROC3_CREATE, sattr(w().opaque(root).string("g").uint32(1)).toBuffer()],
    [c.NFSPROC3_MKDIR, sattr(w().opaque(root).string("d")).toBuffer()],
    [c.NFSPROC3_SYMLINK, sattr(w().opaque(root).string("s")).string("target").toBuffer()],
    [c.NFSPROC3_MKNOD, sattr(w().opaque(root).string("n").uint32(c.NF3CHR)).uint32(1).uint32(2).toBuffer()],
    [c.NFSPROC3_REMOVE, w().opaque(root).string("zz").toBuffer()],
    [c.NFSPROC3_RMDIR, w().opaque(root).string("zz").toBuffer()],
    [c.NFSPROC3_RENAME, w().opaque(root).string("a1").opaque(root).string("b1").toBuffer()],
    [c.NFSPROC3_LINK, w().opaque(file).opaque(root).string("l").toBuffer()],
    [c.NFSPROC3_READDIR, w().opaque(root).uint64(0).fixedOpaque(Buffer.alloc(8)).uint32(4096).toBuffer()],
    [
      c.NFSPROC3_READDIRPLUS,
      w().opaque(root).uint64(0).fixedOpaque(Buffer.alloc(8)).uint32(4096).uint32(8192).toBuffer(),
    ],
    [c.NFSPROC3_FSSTAT, w().opaque(root).toBuffer()],
    [c.NFSPROC3_FSINFO, w().opaque(root).toBuffer()],
    [c.NFSPROC3_PATHCONF, w().opaque(root).toBuffer()],
    [c.NFSPROC3_COMMIT, w().opaque(file).uint64(0).uint32(0).toBuffer()],
  ];
}

describe("NFSv3 against hostile arguments", () => {
  it("answers truncated arguments with GARBAGE_ARGS and keeps serving", async () => {
    const { client, root } = h();
    const file = await makeFile(client, root, "f", Buffer.from("abc"));
    for (const [proc, args] of validCalls(root, file)) {
      for (let cut = 0; cut < args.length; cut += 4) {
        const { header } = await client.rpc.callRaw(
          NFS_PROGRAM,
          3,
          proc,
          (w) => w.fixedOpaque(args.subarray(0, cut)),
          ROOT_AUTH,
        );
        expect([GARBAGE_ARGS, SUCCESS], `proc ${proc} cut ${cut}`).toContain(header.stat);
      }
    }
    expect((await client.getattr(root)).status).toBe(0);
  });

  it("never answers SERVERFAULT on randomly corrupted arguments", async () => {
    const { client, root } = h();
    const file = await makeFile(client, root, "f2", Buffer.from("abc"));
    const rand = prng(42);
    for (const [proc, args] of validCalls(root, file)) {
      for (let i = 0; i < 40; i++) {
        const bad = Buffer.from(args);
        const flips = 1 + Math.floor(rand() * 4);
        for (let k = 0; k < flips; k++) bad[Math.floor(rand() * bad.length)] = Math.floor(rand() * 256);
        const { header } = await client.rpc.callRaw(
          NFS_PROGRAM,
          3,
          proc,
          (w) => w.fixedOpaque(bad),
          ROOT_AUTH,
        );
        expect([GARBAGE_ARGS, SUCCESS], `proc ${proc} bytes ${bad.toString("hex")}`).toContain(header.stat);
      }
    }
    expect((await client.getattr(root)).status).toBe(0);
  });
});
