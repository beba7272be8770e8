import { describe, expect, it } from "vitest";
import { useMemoryFiles } from "./testing/memory-files.ts";

const ALICE = { uid: 1001, gid: 1001, gids: [] };
const NO_VERIFIER = Buffer.alloc(8);

describe("file service READDIR", () => {
  const { metadata, files } = useMemoryFiles("/export");
  const root = () => files.resolve(ALICE, metadata.rootHandle("/export"));

  it('lists "." and ".." before the entries while the cookie is before them', async () => {
    await files.make(root(), "d", {}, { type: "dir" });
    const names = async (cookie: bigint) =>
      (await files.readdir(root(), { cookie, verifier: NO_VERIFIER, max: 10 })).result.entries.map(
        (e) => e.name,
      );
    expect(await names(0n)).toEqual([".", "..", "d"]);
    expect(await names(1n)).toEqual(["..", "d"]);
    const page = await files.readdir(root(), { cookie: 0n, verifier: NO_VERIFIER, max: 10 });
    expect(page.dirAttr).toEqual(await files.getattr(root()));
  });
});
