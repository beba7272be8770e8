/**
 * Named attributes (streams and EAs) on every store: the CRUD contract (exact names, kinds kept
 * apart, ENOENT, rollback, gone with the inode) and the service's rules over it (limits,
 * permissions, ctime, the attributes going with the file's last link, persistence).
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import type { MetadataStore } from "../../metadata-store.ts";
import { EA_BYTES_PER_FILE_MAX, STREAM_BYTES_MAX, STREAMS_PER_FILE_MAX } from "../../ops/named-attrs.ts";
import {
  ALICE,
  BOB,
  type Env,
  expectErrno,
  makeEnv,
  ROOT,
  type StoreFactory,
  type StoreFixture,
} from "./harness.ts";
import { fileInode } from "./store-crud.ts";

const b = (s: string) => Buffer.from(s);

export function namedAttrStoreTests(factory: StoreFactory): void {
  let fixture: StoreFixture;
  let store: MetadataStore;
  let id: bigint;

  beforeEach(async () => {
    fixture = await factory();
    store = await fixture.open();
    id = await store.transaction(async (tx) => (await tx.insertInode(fileInode(0n))).id);
  });
  afterEach(async () => {
    await store.close();
    await fixture.destroy();
  });

  it("puts, replaces, lists by kind in name order and deletes", async () => {
    await store.transaction(async (tx) => {
      await tx.putNamedAttr(id, "stream", "b", b("second"));
      await tx.putNamedAttr(id, "stream", "a", b("one"));
      await tx.putNamedAttr(id, "ea", "a", b("ea"));
      await tx.putNamedAttr(id, "stream", "a", b("uno"));
    });
    const got = await store.transaction(async (tx) => ({
      a: await tx.getNamedAttr(id, "stream", "a"),
      A: await tx.getNamedAttr(id, "stream", "A"),
      streams: await tx.listNamedAttrs(id, "stream"),
      sizes: await tx.listNamedAttrSizes(id, "stream"),
      eas: await tx.listNamedAttrs(id, "ea"),
    }));
    expect(got.a).toEqual(b("uno"));
    expect(got.A).toBeUndefined();
    expect(got.streams).toEqual([
      { name: "a", value: b("uno") },
      { name: "b", value: b("second") },
    ]);
    expect(got.sizes).toEqual([
      { name: "a", size: 3 },
      { name: "b", size: 6 },
    ]);
    expect(got.eas).toEqual([{ name: "a", value: b("ea") }]);
    await store.transaction(async (tx) => tx.deleteNamedAttr(id, "stream", "a"));
    await expectErrno(
      store.transaction(async (tx) => tx.deleteNamedAttr(id, "stream", "a")),
      "ENOENT",
    );
    expect(await store.transaction(async (tx) => tx.listNamedAttrs(id, "stream"))).toHaveLength(1);
  });

  it("rolls back named attribute writes and drops them with the inode", async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.putNamedAttr(id, "stream", "s", b("x"));
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await store.transaction(async (tx) => tx.getNamedAttr(id, "stream", "s"))).toBeUndefined();
    await store.transaction(async (tx) => {
      await tx.putNamedAttr(id, "stream", "s", b("x"));
      await tx.putNamedAttr(id, "ea", "e", b("y"));
    });
    // A failed delete of the inode keeps its attributes; a committed one takes them along.
    await expect(
      store.transaction(async (tx) => {
        await tx.deleteInode(id);
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await store.transaction(async (tx) => tx.getNamedAttr(id, "ea", "e"))).toEqual(b("y"));
    await store.transaction(async (tx) => tx.deleteInode(id));
    const left = await store.transaction(async (tx) => [
      ...(await tx.listNamedAttrs(id, "stream")),
      ...(await tx.listNamedAttrs(id, "ea")),
    ]);
    expect(left).toEqual([]);
  });
}

export function namedAttrServiceTests(factory: StoreFactory, persistent: boolean): void {
  let env: Env;
  let file: Buffer;

  beforeEach(async () => {
    env = await makeEnv(factory);
    await env.svc.setattr(ROOT, env.root, { mode: 0o777 });
    file = (await env.svc.create(ALICE, env.root, "f", { mode: 0o644 }, { mode: "guarded" })).handle;
  });
  afterEach(async () => env.close());

  it("writes, reads, truncates and deletes a stream, bumping the file's ctime", async () => {
    const svc = env.svc;
    const before = await svc.getattr(file);
    await new Promise((r) => setTimeout(r, 5));
    expect(
      await svc.changeNamedAttr(ALICE, file, "stream", "s", { op: "write", offset: 3, data: b("abc") }),
    ).toBe(6);
    expect(await svc.namedAttr(ALICE, file, "stream", "s")).toEqual(Buffer.from([0, 0, 0, 97, 98, 99]));
    expect((await svc.getattr(file)).ctime).not.toEqual(before.ctime);
    expect((await svc.getattr(file)).size).toBe(0);
    expect(await svc.changeNamedAttr(ALICE, file, "stream", "s", { op: "truncate", size: 4 })).toBe(4);
    await expectErrno(svc.changeNamedAttr(ALICE, file, "stream", "s", { op: "create" }), "EEXIST");
    expect(await svc.namedAttrs(file, "stream")).toEqual([{ name: "s", value: Buffer.from([0, 0, 0, 97]) }]);
    await svc.changeNamedAttr(ALICE, file, "stream", "s", { op: "delete" });
    await expectErrno(svc.namedAttr(ALICE, file, "stream", "s"), "ENOENT");
  });

  it("renames a stream within the file, replacing an existing name only when asked", async () => {
    const svc = env.svc;
    await svc.changeNamedAttr(ALICE, file, "stream", "one", { op: "put", value: b("first") });
    await svc.changeNamedAttr(ALICE, file, "stream", "two", { op: "put", value: b("2") });
    const rename = (from: string, to: string, replace: boolean) =>
      svc.changeNamedAttr(ALICE, file, "stream", from, { op: "rename", to, replace });
    await expectErrno(rename("one", "two", false), "EEXIST");
    await expectErrno(rename("none", "x", true), "ENOENT");
    await expectErrno(rename("one", "", true), "EINVAL");
    await expectErrno(
      svc.changeNamedAttr(BOB, file, "stream", "one", { op: "rename", to: "b", replace: true }),
      "EACCES",
    );
    expect(await rename("one", "one", false)).toBe(5);
    expect(await rename("one", "two", true)).toBe(5);
    expect(await svc.namedAttrs(file, "stream")).toEqual([{ name: "two", value: b("first") }]);
    expect(await rename("two", "Three", false)).toBe(5);
    expect(await svc.namedAttrs(file, "stream")).toEqual([{ name: "Three", value: b("first") }]);
    // EAs are another kind: a stream rename never touches them.
    await svc.changeNamedAttr(ALICE, file, "ea", "Three", { op: "put", value: b("ea") });
    expect(await rename("Three", "four", false)).toBe(5);
    expect(await svc.namedAttr(ALICE, file, "ea", "Three")).toEqual(b("ea"));
    if (persistent) {
      await env.restart();
      expect(await env.svc.namedAttrs(file, "stream")).toEqual([{ name: "four", value: b("first") }]);
    }
  });

  it("enforces the count and size limits and the caller's permissions", async () => {
    const svc = env.svc;
    const big = { op: "write" as const, offset: STREAM_BYTES_MAX, data: b("x") };
    await expectErrno(svc.changeNamedAttr(ALICE, file, "stream", "s", big), "EFBIG");
    for (let i = 0; i < STREAMS_PER_FILE_MAX; i++) {
      await svc.changeNamedAttr(ALICE, file, "stream", `s${i}`, { op: "create" });
    }
    await expectErrno(svc.changeNamedAttr(ALICE, file, "stream", "one-more", { op: "create" }), "ENOSPC");
    const half = Buffer.alloc(EA_BYTES_PER_FILE_MAX / 2);
    await svc.changeNamedAttr(ALICE, file, "ea", "a", { op: "put", value: half });
    await expectErrno(svc.changeNamedAttr(ALICE, file, "ea", "b", { op: "put", value: half }), "ENOSPC");
    await expectErrno(svc.changeNamedAttr(BOB, file, "ea", "c", { op: "put", value: b("x") }), "EACCES");
    await expectErrno(svc.changeNamedAttr(ALICE, file, "ea", "", { op: "put", value: b("x") }), "EINVAL");
    // Mode 0644: others may read the file's named attributes, not write them.
    expect(await svc.namedAttr(BOB, file, "ea", "a")).toHaveLength(half.length);
  });

  it("removes the named attributes with the file's last link", async () => {
    const svc = env.svc;
    await svc.changeNamedAttr(ALICE, file, "stream", "s", { op: "put", value: b("data") });
    await svc.changeNamedAttr(ALICE, file, "ea", "e", { op: "put", value: b("v") });
    // The orphan's inode record goes once the file service has deleted its payload.
    const { orphan } = await svc.remove(ALICE, env.root, "f");
    await svc.reap(orphan!.handle);
    const again = (await svc.create(ALICE, env.root, "f", {}, { mode: "guarded" })).handle;
    expect(await svc.namedAttrs(again, "stream")).toEqual([]);
    await expectErrno(svc.namedAttrs(file, "stream"), "ESTALE");
  });

  if (persistent) {
    it("keeps named attributes across a restart", async () => {
      await env.svc.changeNamedAttr(ALICE, file, "stream", "s", { op: "put", value: b("kept") });
      await env.restart();
      expect(await env.svc.namedAttr(ALICE, file, "stream", "s")).toEqual(b("kept"));
    });
  }
}
