/**
 * A seeded random operation sequence run against the store under test and, side by side, against
 * the memory store as the model: every outcome (success or errno) and the final tree must match.
 * The seed is printed on failure; set METADATA_SEED to replay one.
 */
import { expect, it } from "vitest";
import { FsError } from "../../../domain/errors.ts";
import { prng } from "../../../domain/testing/prng.ts";
import { MemoryMetadataStore } from "../../stores/memory.ts";
import type { Caller } from "../../types.ts";
import { ALICE, BOB, type Env, makeEnv, ROOT, type StoreFactory } from "./harness.ts";

export const MODEL_OPS = 400;
const NAMES = ["a", "b", "c", "d"];
const CALLERS: Caller[] = [ROOT, ALICE, BOB];

type Op = {
  kind: string;
  caller: Caller;
  dir: string[];
  name: string;
  dir2: string[];
  name2: string;
  n: number;
};

function randomOp(rand: () => number): Op {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const path = () => Array.from({ length: Math.floor(rand() * 3) }, () => pick(NAMES));
  const kinds = [
    "create",
    "create",
    "mkdir",
    "mkdir",
    "remove",
    "rmdir",
    "rename",
    "rename",
    "link",
    "chmod",
    "size",
    "symlink",
    "excl",
  ];
  return {
    kind: pick(kinds),
    caller: pick(CALLERS),
    dir: path(),
    name: pick(NAMES),
    dir2: path(),
    name2: pick(NAMES),
    n: Math.floor(rand() * 1000),
  };
}

async function resolve(env: Env, caller: Caller, path: string[]): Promise<Buffer> {
  let h = env.root;
  for (const p of path) h = (await env.svc.lookup(caller, h, p)).handle;
  return h;
}

/** Runs one op; returns a comparable outcome string. */
async function apply(env: Env, op: Op): Promise<string> {
  const { svc } = env;
  const c = op.caller;
  try {
    const dir = await resolve(env, c, op.dir);
    const show = (a: { type: string; mode: number; nlink: number; size: number; uid: number }) =>
      `${a.type} ${a.mode.toString(8)} n${a.nlink} s${a.size} u${a.uid}`;
    switch (op.kind) {
      case "create":
        return show(
          (await svc.create(c, dir, op.name, { mode: 0o664 }, { mode: op.n % 2 ? "guarded" : "unchecked" }))
            .attr,
        );
      case "excl":
        return show(
          (await svc.create(c, dir, op.name, {}, { mode: "exclusive", verifier: Buffer.from([op.n % 2]) }))
            .attr,
        );
      case "mkdir":
        return show((await svc.mkdir(c, dir, op.name, { mode: op.n % 2 ? 0o777 : 0o755 })).attr);
      case "symlink":
        return show((await svc.symlink(c, dir, op.name, `t${op.n}`, {})).attr);
      case "remove":
        return show((await svc.remove(c, dir, op.name)).dirAfter);
      case "rmdir":
        return show((await svc.rmdir(c, dir, op.name)).dirAfter);
      case "rename": {
        const r = await svc.rename(c, dir, op.name, await resolve(env, c, op.dir2), op.name2);
        return `${show(r.fromAfter)} / ${show(r.toAfter)}`;
      }
      case "link": {
        const file = await svc.lookup(c, dir, op.name);
        return show((await svc.link(c, file.handle, await resolve(env, c, op.dir2), op.name2)).attr);
      }
      case "chmod": {
        const h = (await svc.lookup(c, dir, op.name)).handle;
        return show((await svc.setattr(c, h, { mode: op.n & 0o777 })).after);
      }
      default: {
        const h = (await svc.lookup(c, dir, op.name)).handle;
        return show((await svc.setattr(c, h, { size: op.n })).after);
      }
    }
  } catch (e) {
    if (e instanceof FsError) return e.code;
    throw e;
  }
}

/** The tree as text: paths with type, mode, nlink, size, owner; hard links grouped by fileid order. */
async function dump(
  env: Env,
  dir: Buffer,
  prefix: string,
  out: string[],
  ids: Map<bigint, number>,
): Promise<string[]> {
  const r = await env.svc.readdir(ROOT, dir, 0n, null, 1000);
  for (const e of r.entries.sort((x, y) => (x.name < y.name ? -1 : 1))) {
    if (!ids.has(e.fileid)) ids.set(e.fileid, ids.size);
    const a = e.attr;
    out.push(
      `${prefix}${e.name} #${ids.get(e.fileid)} ${a.type} ${a.mode.toString(8)} n${a.nlink} s${a.size} u${a.uid}`,
    );
    if (a.type === "dir") await dump(env, e.handle, `${prefix}${e.name}/`, out, ids);
  }
  return out;
}

/** Concurrent random workers, then an fsck of the tree. */
export const FSCK_WORKERS = 6;
export const FSCK_OPS_PER_WORKER = 60;

/**
 * Walks the tree and checks the invariants every interleaving must keep: a file's nlink is the
 * number of entries naming it, a directory's is 2 + its subdirectories, every directory's ".."
 * is the directory listing it, and no directory is reachable twice.
 */
async function fsck(env: Env): Promise<string[]> {
  const problems: string[] = [];
  const links = new Map<bigint, { count: number; handle: Buffer; path: string }>();
  const seenDirs = new Set<bigint>();
  const walk = async (dir: Buffer, dirId: bigint, path: string) => {
    if (seenDirs.has(dirId)) problems.push(`${path}: directory reachable twice`);
    seenDirs.add(dirId);
    const r = await env.svc.readdir(ROOT, dir, 0n, null, 1000);
    let subdirs = 0;
    for (const e of r.entries) {
      const p = `${path}/${e.name}`;
      if (e.attr.type === "dir") {
        subdirs++;
        const up = await env.svc.lookup(ROOT, e.handle, "..");
        if (up.attr.fileid !== dirId) problems.push(`${p}: ".." is ${up.attr.fileid}, not ${dirId}`);
        await walk(e.handle, e.fileid, p);
      } else {
        const l = links.get(e.fileid) ?? { count: 0, handle: e.handle, path: p };
        l.count++;
        links.set(e.fileid, l);
      }
    }
    const attr = await env.svc.getattr(dir);
    if (attr.nlink !== 2 + subdirs)
      problems.push(`${path || "/"}: nlink ${attr.nlink}, ${subdirs} subdirectories`);
  };
  await walk(env.root, (await env.svc.getattr(env.root)).fileid, "");
  for (const l of links.values()) {
    const nlink = (await env.svc.getattr(l.handle)).nlink;
    if (nlink !== l.count) problems.push(`${l.path}: nlink ${nlink}, ${l.count} entries`);
  }
  return problems;
}

export function modelTests(factory: StoreFactory): void {
  it(`keeps the tree consistent under ${FSCK_WORKERS} concurrent random workers`, async () => {
    const seed = Number(process.env.METADATA_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const env = await makeEnv(factory);
    try {
      await Promise.all(
        Array.from({ length: FSCK_WORKERS }, async (_, w) => {
          const rand = prng(seed + w);
          for (let i = 0; i < FSCK_OPS_PER_WORKER; i++) await apply(env, { ...randomOp(rand), caller: ROOT });
        }),
      );
      expect(await fsck(env), `seed ${seed}`).toEqual([]);
    } finally {
      await env.close();
    }
  });

  it(`matches the memory model over ${MODEL_OPS} seeded random operations`, async () => {
    const seed = Number(process.env.METADATA_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const rand = prng(seed);
    const model = await makeEnv(async () => ({
      open: async () => new MemoryMetadataStore(),
      persistent: false,
      destroy: async () => {},
    }));
    const env = await makeEnv(factory);
    try {
      for (let i = 0; i < MODEL_OPS; i++) {
        const op = randomOp(rand);
        const want = await apply(model, op);
        const got = await apply(env, op);
        expect(got, `seed ${seed}, op #${i} ${JSON.stringify({ ...op, caller: op.caller.uid })}`).toBe(want);
      }
      const want = await dump(model, model.root, "", [], new Map());
      expect(await dump(env, env.root, "", [], new Map()), `seed ${seed}: final tree`).toEqual(want);
      expect(want.length, `seed ${seed}: the sequence built something`).toBeGreaterThan(0);
    } finally {
      await env.close();
      await model.close();
    }
  });
}
