/**
 * A host program run inside the busybox guest: the binary, the libraries it links (ldd) and the
 * dynamic loader are copied into a directory of the 9p share, and the guest runs the loader on it.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import { basename, join } from "node:path";

/** Copies `program` and its libraries into `shareDir`/`stageDir` (the guest's /share/`stageDir`). */
export function stageHostProgram(shareDir: string, program: string, stageDir: string): void {
  const dir = join(shareDir, stageDir);
  mkdirSync(dir, { recursive: true });
  const ldd = execFileSync("ldd", [program], { encoding: "utf8" });
  for (const m of ldd.matchAll(/(\/\S+\.so[.\d]*)/g)) copyFileSync(m[1]!, join(dir, basename(m[1]!)));
  copyFileSync(program, join(dir, basename(program)));
}

/** The guest command prefix running the staged `program` (its base name) through the loader. */
export function hostProgramCommand(program: string, stageDir: string): string {
  const d = `/share/${stageDir}`;
  return `${d}/ld-linux-x86-64.so.2 --library-path ${d} ${d}/${basename(program)}`;
}
