/** Two daemons (two services, two pools) on one PostgreSQL metadata store racing each other. */
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freePort } from "../../../../../e2e/peers/ports.ts";
import { DefaultMetadataService } from "../service.ts";
import { ALICE, SHARE, share } from "../testing/conformance/harness.ts";
import { memoryPayload } from "../testing/memory-payload.ts";
import { freshSchemaUrl } from "../testing/postgres-fixture.ts";
import { PG_CACHE_TTL_MS, PostgresMetadataStore } from "./postgres.ts";

const logger = pino({ level: "silent" });
const G = { mode: "guarded" as const };

interface Daemon {
  svc: DefaultMetadataService;
  root: Buffer;
  close(): Promise<void>;
}

async function daemon(url: string): Promise<Daemon> {
  const payload = await memoryPayload(logger, [SHARE]);
  const store = await PostgresMetadataStore.open(url);
  const svc = new DefaultMetadataService({ logger });
  await svc.addShare(share(), store);
  return {
    svc,
    root: svc.rootHandle(SHARE),
    close: async () => {
      await store.close();
      await payload.close();
    },
  };
}

describe("postgres metadata store shared by two daemons", () => {
  let a: Daemon;
  let b: Daemon;
  beforeEach(async () => {
    const url = await freshSchemaUrl();
    [a, b] = await Promise.all([daemon(url), daemon(url)]);
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  it("shares one root and one handle space", async () => {
    expect(a.root.equals(b.root)).toBe(true);
    const f = await a.svc.create(ALICE, a.root, "f", {}, G);
    expect((await b.svc.getattr(f.handle)).fileid).toBe(f.attr.fileid);
  });

  it("lets exactly one daemon win a create race", async () => {
    const d = await a.svc.mkdir(ALICE, a.root, "d", { mode: 0o777 });
    for (let round = 0; round < 5; round++) {
      const name = `race${round}`;
      const results = await Promise.allSettled(
        [a, b, a, b, a, b].map((x, i) => x.svc.create({ ...ALICE, uid: 3000 + i }, d.handle, name, {}, G)),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    }
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).svc.mkdir(ALICE, d.handle, `s${i}`, {})),
    );
    const attr = await a.svc.getattr(d.handle);
    const listed = await b.svc.readdir(ALICE, d.handle, 0n, null, 100);
    expect(listed.entries).toHaveLength(15);
    // nlink reflects every subdirectory although the creates came through two daemons.
    await new Promise((r) => setTimeout(r, PG_CACHE_TTL_MS + 50));
    expect((await b.svc.getattr(d.handle)).nlink).toBe(12);
    expect(attr.nlink).toBeGreaterThanOrEqual(2);
  });

  it("never lets two crossing directory renames build a cycle", async () => {
    for (let round = 0; round < 5; round++) {
      const p = await a.svc.mkdir(ALICE, a.root, `p${round}`, {});
      const x = await a.svc.mkdir(ALICE, p.handle, "x", {});
      const y = await a.svc.mkdir(ALICE, p.handle, "y", {});
      const results = await Promise.allSettled([
        a.svc.rename(ALICE, p.handle, "x", y.handle, "x"),
        b.svc.rename(ALICE, p.handle, "y", x.handle, "y"),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      // Exactly one of x, y is still in p, and the other hangs below it.
      const names = (await b.svc.readdir(ALICE, p.handle, 0n, null, 10)).entries.map((e) => e.name);
      expect(names).toHaveLength(1);
    }
  });

  it("shows one daemon's changes to the other within the cache lifetime", async () => {
    await expect(b.svc.lookup(ALICE, b.root, "late")).rejects.toMatchObject({ code: "ENOENT" });
    const f = await a.svc.create(ALICE, a.root, "late", {}, G);
    await new Promise((r) => setTimeout(r, PG_CACHE_TTL_MS + 50));
    expect((await b.svc.lookup(ALICE, b.root, "late")).attr.fileid).toBe(f.attr.fileid);
    await a.svc.setattr(ALICE, f.handle, { mode: 0o600 });
    await new Promise((r) => setTimeout(r, PG_CACHE_TTL_MS + 50));
    expect((await b.svc.getattr(f.handle)).mode).toBe(0o600);
  });
});

describe("postgres test fixtures", () => {
  it("isolates each fixture in its own schema", async () => {
    const [x, y] = await Promise.all([freshSchemaUrl(), freshSchemaUrl()]);
    const sx = await PostgresMetadataStore.open(x);
    const sy = await PostgresMetadataStore.open(y);
    try {
      await sx.transaction(async (tx) => tx.setRoot("/iso", 42n));
      expect(await sx.getRoot("/iso")).toBe(42n);
      expect(await sy.getRoot("/iso")).toBeUndefined();
      expect(sx.epoch).not.toBe(sy.epoch);
    } finally {
      await sx.close();
      await sy.close();
    }
  });
});

describe("postgres metadata store availability", () => {
  it("reports an unreachable server as EJUKEBOX (try later), not a crash", async () => {
    const port = await freePort();
    await expect(
      PostgresMetadataStore.open(`postgres://dittofs@127.0.0.1:${port}/none`),
    ).rejects.toMatchObject({
      code: "EJUKEBOX",
    });
  });
});
