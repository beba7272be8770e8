import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { FoldedNames, foldName } from "./folded-names.ts";
import type { MetadataStore } from "./metadata-store.ts";
import { openMetadataStore } from "./registry.ts";
import { DefaultMetadataService } from "./service.ts";
import { ALICE, share } from "./testing/conformance/harness.ts";

const logger = pino({ level: "silent" });
const stores: MetadataStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

/** A service on a memory store that counts the store's listEntries calls and entries listed. */
async function setup(folded?: FoldedNames) {
  const store = await openMetadataStore({ type: "memory" }, { dataDir: "/nonexistent" });
  stores.push(store);
  const listed = { calls: 0, entries: 0 };
  const list = store.listEntries.bind(store);
  store.listEntries = async (parent, after, limit) => {
    const page = await list(parent, after, limit);
    listed.calls++;
    listed.entries += page.length;
    return page;
  };
  const svc = new DefaultMetadataService(folded ? { logger, folded } : { logger });
  await svc.addShare(share(), store, { mode: 0o777, uid: 1000, gid: 1000 });
  const root = svc.rootHandle("/export");
  const create = (name: string) => svc.create(ALICE, root, name, { mode: 0o644 }, { mode: "guarded" });
  return { svc, root, listed, create };
}

describe("foldName", () => {
  it("folds per UTF-16 code unit as Windows' upcase table: fullwidth letters too, never longer", () => {
    expect(foldName("torture_dIr1N")).toBe("TORTURE_DIR1N");
    expect(foldName("\uff41")).toBe("\uff21"); // fullwidth a → fullwidth A (smb2.charset wide-a)
    expect(foldName("a")).not.toBe(foldName("\uff41"));
    expect(foldName("straße")).toBe("STRAßE");
    expect(foldName("\ud800x")).toBe("\ud800X");
  });
});

describe("lookupCaseless", () => {
  it("finds a name in another case and reports it as stored; NFS's lookup stays exact", async () => {
    const { svc, root, create } = await setup();
    const made = await create("ReadMe.TXT");
    const found = await svc.lookupCaseless(ALICE, root, "readme.txt");
    expect(found.name).toBe("ReadMe.TXT");
    expect(found.attr.fileid).toBe(made.attr.fileid);
    await expect(svc.lookup(ALICE, root, "readme.txt")).rejects.toMatchObject({ code: "ENOENT" });
    await expect(svc.lookupCaseless(ALICE, root, "other.txt")).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("reads no listing for an exact name, and only the new entries for a miss after a create", async () => {
    const { svc, root, listed, create } = await setup();
    for (let i = 0; i < 50; i++) await create(`file${i}`);
    await svc.lookupCaseless(ALICE, root, "file7");
    expect(listed.calls).toBe(0);
    await expect(svc.lookupCaseless(ALICE, root, "new0")).rejects.toMatchObject({ code: "ENOENT" });
    expect(listed.entries).toBe(50); // the index is built once
    for (let i = 1; i <= 5; i++) {
      await create(`new${i - 1}`);
      await expect(svc.lookupCaseless(ALICE, root, `NEW${i}`)).rejects.toMatchObject({ code: "ENOENT" });
    }
    expect(listed.entries).toBe(55); // one more entry listed per create
    expect((await svc.lookupCaseless(ALICE, root, "NEW4")).name).toBe("new4");
  });

  it("drops a removed name and finds a renamed one in its new case", async () => {
    const { svc, root, create } = await setup();
    await create("a.txt");
    await expect(svc.lookupCaseless(ALICE, root, "zz")).rejects.toMatchObject({ code: "ENOENT" });
    await svc.rename(ALICE, root, "a.txt", root, "B.txt");
    expect((await svc.lookupCaseless(ALICE, root, "b.TXT")).name).toBe("B.txt");
    await expect(svc.lookupCaseless(ALICE, root, "A.TXT")).rejects.toMatchObject({ code: "ENOENT" });
    await svc.remove(ALICE, root, "B.txt");
    await expect(svc.lookupCaseless(ALICE, root, "b.txt")).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("FoldedNames", () => {
  it("keeps within its name budget and scans a directory too large to index", async () => {
    const folded = new FoldedNames(4, 8);
    const { svc, root, create } = await setup(folded);
    for (let i = 0; i < 8; i++) await create(`f${i}`);
    const sub = await svc.mkdir(ALICE, root, "Sub", { mode: 0o777 });
    await svc.create(ALICE, sub.handle, "Inner", { mode: 0o644 }, { mode: "guarded" });
    expect((await svc.lookupCaseless(ALICE, root, "F3")).name).toBe("f3"); // 9 entries: scanned
    expect(folded.size).toBe(0);
    expect((await svc.lookupCaseless(ALICE, sub.handle, "inner")).name).toBe("Inner");
    expect(folded.size).toBe(1);
  });
});
