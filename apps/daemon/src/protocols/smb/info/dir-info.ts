/**
 * Directory enumeration entries ([MS-FSCC] §2.4.8, 2.4.10, 2.4.14, 2.4.17, 2.4.18, 2.4.26) and
 * Windows wildcard matching ([MS-FSA] §2.1.4.4: `*`, `?`, and the DOS forms `<`, `>`, `"`).
 */
import type { FileAttr } from "../../../metadata/types.ts";
import { allocationSize, dosAttributes, endOfFile, writeTimes } from "../attrs.ts";
import * as C from "../constants.ts";
import { SmbWriter, utf16 } from "../wire.ts";

type Encoder = (w: SmbWriter, name: Buffer, a: FileAttr) => void;

function common(w: SmbWriter, name: Buffer, a: FileAttr): SmbWriter {
  w.u32(0); // FileIndex
  writeTimes(w, a).u64(endOfFile(a)).u64(allocationSize(a)).u32(dosAttributes(a)).u32(name.length);
  return w;
}

export const DIR_INFO_CLASSES: Record<number, Encoder> = {
  [C.FileDirectoryInformation]: (w, n, a) => {
    common(w, n, a).bytes(n);
  },
  [C.FileFullDirectoryInformation]: (w, n, a) => {
    common(w, n, a).u32(0).bytes(n);
  },
  [C.FileIdFullDirectoryInformation]: (w, n, a) => {
    common(w, n, a).u32(0).u32(0).u64(a.fileid).bytes(n);
  },
  [C.FileBothDirectoryInformation]: (w, n, a) => {
    common(w, n, a).u32(0).u8(0).u8(0).zeros(24).bytes(n);
  },
  [C.FileIdBothDirectoryInformation]: (w, n, a) => {
    common(w, n, a).u32(0).u8(0).u8(0).zeros(24).u16(0).u64(a.fileid).bytes(n);
  },
  [C.FileNamesInformation]: (w, n) => {
    w.u32(0).u32(n.length).bytes(n);
  },
};

/** One entry (without NextEntryOffset, which the caller writes); its length before alignment. */
export function encodeEntry(cls: number, name: string, attr: FileAttr): Buffer {
  const w = new SmbWriter(128);
  w.u32(0); // NextEntryOffset, patched when chained
  DIR_INFO_CLASSES[cls]!(w, utf16(name), attr);
  return w.finish();
}

export function hasWildcards(pattern: string): boolean {
  return /[*?<>"]/.test(pattern);
}

/** Compiles a Windows pattern to a case-insensitive matcher. */
export function compilePattern(pattern: string): (name: string) => boolean {
  if (pattern === "*" || pattern === "" || pattern === "*.*") return () => true;
  let re = "";
  for (const ch of pattern) {
    if (ch === "*") re += ".*";
    else if (ch === "?") re += ".";
    else if (ch === ">") re += "[^.]?";
    else if (ch === "<") re += "[^.]*";
    else if (ch === '"') re += "\\.?";
    else re += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  const rx = new RegExp(`^${re}$`, "is");
  return (name) => rx.test(name);
}
