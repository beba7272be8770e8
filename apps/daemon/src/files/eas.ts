/**
 * Extended attributes ([MS-FSCC] §2.4.15) for every protocol: metadata named attributes of kind
 * "ea" (metadata/ops/named-attrs.ts: permission, ctime and the per-file count and size limits).
 * Names compare case-insensitively, as Windows compares them; the first spelling is kept.
 */
import { FsError } from "../domain/errors.ts";
import type { NamedAttr } from "../metadata/named-attr-types.ts";
import type { MetadataService } from "../metadata/types.ts";
import { type FileChanges, MODIFIED } from "./changes.ts";
import type { FileCall } from "./types.ts";

interface EaDeps {
  metadata: MetadataService;
  changes: FileChanges;
}

/** The file's EAs in name order. */
export function eas(d: EaDeps, f: FileCall): Promise<NamedAttr[]> {
  return d.metadata.namedAttrs(f.handle, "ea");
}

/**
 * Applies a list of EAs in order: a value replaces (or adds) the EA, an empty value removes it
 * (nothing to remove is fine, [MS-FSA] §2.1.5.14.2). ENOSPC past the file's EA limits.
 */
export async function setEas(d: EaDeps, f: FileCall, list: readonly NamedAttr[]): Promise<void> {
  const held = new Map((await eas(d, f)).map((e) => [e.name.toLowerCase(), e.name] as const));
  for (const e of list) {
    const key = e.name.toLowerCase();
    const name = held.get(key) ?? e.name;
    if (e.value.length > 0) {
      await d.metadata.changeNamedAttr(f.caller, f.handle, "ea", name, { op: "put", value: e.value });
      held.set(key, name);
      continue;
    }
    if (!held.has(key)) continue;
    try {
      await d.metadata.changeNamedAttr(f.caller, f.handle, "ea", name, { op: "delete" });
    } catch (err) {
      if (!(err instanceof FsError && err.code === "ENOENT")) throw err;
    }
    held.delete(key);
  }
  if (list.length > 0 && d.changes.watchesModified) {
    const { fileid } = await d.metadata.getattr(f.handle);
    d.changes.modified({ share: f.share.name, handle: f.handle, fileid, changed: MODIFIED.eas });
  }
}
