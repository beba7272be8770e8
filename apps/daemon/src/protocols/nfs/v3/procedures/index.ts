/**
 * The NFSv3 dispatch table (RFC 1813 §3.3), by procedure number. The flags on each spec
 * (mutates / idempotent / needsExport) drive read-only refusal, export checks and the duplicate
 * request cache in one place (v3/procedure.ts, rpc/dispatcher.ts).
 */
import type { AnyProcedure } from "../../rpc/program.ts";
import type { NfsEnv } from "../procedure.ts";
import { access } from "./access.ts";
import { commit } from "./commit.ts";
import { create } from "./create.ts";
import { fsinfo } from "./fsinfo.ts";
import { fsstat } from "./fsstat.ts";
import { getattr } from "./getattr.ts";
import { link } from "./link.ts";
import { lookup } from "./lookup.ts";
import { mkdir } from "./mkdir.ts";
import { mknod } from "./mknod.ts";
import { nullProc } from "./null.ts";
import { pathconf } from "./pathconf.ts";
import { read } from "./read.ts";
import { readdir } from "./readdir.ts";
import { readdirplus } from "./readdirplus.ts";
import { readlink } from "./readlink.ts";
import { remove } from "./remove.ts";
import { rename } from "./rename.ts";
import { rmdir } from "./rmdir.ts";
import { setattr } from "./setattr.ts";
import { symlink } from "./symlink.ts";
import { write } from "./write.ts";

export const NFS3_PROCEDURES = [
  nullProc, // 0
  getattr, // 1
  setattr, // 2
  lookup, // 3
  access, // 4
  readlink, // 5
  read, // 6
  write, // 7
  create, // 8
  mkdir, // 9
  symlink, // 10
  mknod, // 11
  remove, // 12
  rmdir, // 13
  rename, // 14
  link, // 15
  readdir, // 16
  readdirplus, // 17
  fsstat, // 18
  fsinfo, // 19
  pathconf, // 20
  commit, // 21
] as const;

export function nfs3Procedures(env: NfsEnv): AnyProcedure[] {
  return NFS3_PROCEDURES.map((make) => make(env));
}
