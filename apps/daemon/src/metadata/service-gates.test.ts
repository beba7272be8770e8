import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { openMetadataStore } from "./registry.ts";
import { DefaultMetadataService } from "./service.ts";
import { ALICE, share } from "./testing/conformance/harness.ts";
import { memoryPayload } from "./testing/memory-payload.ts";
import type { FileChangeIntent } from "./types.ts";

const logger = pino({ level: "silent" });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const payload = await memoryPayload(logger, ["/export"]);
  const store = await openMetadataStore({ type: "memory" }, { dataDir: "/nonexistent" });
  const svc = new DefaultMetadataService({ logger, payload });
  await svc.addShare(share(), store);
  cleanups.push(async () => {
    await store.close();
    await payload.close();
  });
  return svc;
}

describe("DefaultMetadataService change gates (addChangeGate)", () => {
  it("offers each change to the gates first and holds it until the gate's promise settles", async () => {
    const svc = await setup();
    const root = svc.rootHandle("/export");
    const file = await svc.create(ALICE, root, "f", { mode: 0o644 }, { mode: "unchecked" });
    const seen: FileChangeIntent[] = [];
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const remove = svc.addChangeGate((intent) => {
      seen.push(intent);
      return intent.kind === "setattr" ? held : undefined;
    });
    let done = false;
    const setattr = svc.setattr(ALICE, file.handle, { size: 3 }).then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    expect((await svc.getattr(file.handle)).size).toBe(0);
    release();
    await setattr;
    expect((await svc.getattr(file.handle)).size).toBe(3);
    await svc.prepareWrite(ALICE, file.handle);
    await svc.prepareRead(ALICE, file.handle);
    await svc.rename(ALICE, root, "f", root, "g");
    await svc.remove({ ...ALICE, origin: "smb" }, root, "g");
    expect(seen.map((i) => [i.kind, i.name ?? null, i.caller.origin ?? null])).toEqual([
      ["setattr", null, null],
      ["write", null, null],
      ["read", null, null],
      ["rename", "f", null],
      ["remove", "g", null],
      ["remove", "g", "smb"],
    ]);
    remove();
    await svc.create(ALICE, root, "h", { mode: 0o644 }, { mode: "unchecked" });
    await svc.remove(ALICE, root, "h");
    expect(seen).toHaveLength(6);
  });

  it("tells directory listeners of names added, removed and renamed, after the change only", async () => {
    const svc = await setup();
    const root = svc.rootHandle("/export");
    const seen: string[] = [];
    const remove = svc.addDirChangeListener((e) => {
      expect(e.dir.equals(root)).toBe(true);
      seen.push(`${e.action}:${e.name}:${e.isDir}`);
    });
    await svc.create(ALICE, root, "a", { mode: 0o644 }, { mode: "guarded" });
    await expect(svc.create(ALICE, root, "a", { mode: 0o644 }, { mode: "guarded" })).rejects.toThrow();
    await svc.mkdir(ALICE, root, "d", { mode: 0o755 });
    await svc.rename(ALICE, root, "a", root, "b");
    await svc.remove(ALICE, root, "b");
    await svc.rmdir(ALICE, root, "d");
    remove();
    await svc.mkdir(ALICE, root, "quiet", { mode: 0o755 });
    expect(seen).toEqual([
      "added:a:false",
      "added:d:true",
      "renamed-old:a:null",
      "renamed-new:b:null",
      "removed:b:false",
      "removed:d:true",
    ]);
  });
});
