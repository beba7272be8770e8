/**
 * The last steps of an open, for every protocol that has opens (SMB CLOSE; NFSv4 CLOSE and an
 * expired lease): written data made to survive a kill of the daemon (payload closeFile: in the page
 * cache, as Samba's after its CLOSE; FLUSH and COMMIT are the durability points, docs/payload.md
 * "CLOSE"), then a delete-on-close unlink, then the open reference released — in that
 * order, so the payload an unlinked file keeps while open is only dropped after the commit and
 * the unlink (the last release hands its orphan to files/orphans.ts).
 */
import type { DataDeps } from "./data.ts";
import { remove, rmdir } from "./names.ts";
import { removeStream } from "./streams.ts";
import type { FileCall } from "./types.ts";

export interface CloseRequest {
  /** Data was written through this open: keep it (payload closeFile) before returning. */
  written: boolean;
  /**
   * Delete on close ([MS-SMB2] §3.3.5.10 / [MS-FSA] §2.1.5.4): the name to unlink, asked after
   * the commit (another open may have come while it waited), null to keep the file. On a
   * stream call it deletes the stream, or with `file` the file itself (the last open of a file
   * whose delete was pending while its streams were open, [MS-FSA] §2.1.5.4).
   */
  unlink: () => { dir: Buffer; name: string; isDir: boolean; file?: boolean } | null;
  /** The open holds a MetadataService.retain reference to release. */
  retained: boolean;
}

export async function close(d: DataDeps, f: FileCall, c: CloseRequest): Promise<void> {
  try {
    if (c.written && f.stream === undefined) {
      const attr = await d.metadata.getattr(f.handle);
      if (attr.payloadId) await d.payload.closeFile(f.share.name, attr.payloadId);
      await d.metadata.persist(f.handle);
    }
    const doomed = c.unlink();
    if (doomed && f.stream !== undefined && !doomed.file) await removeStream(d, f);
    else if (doomed) {
      const { dir, name, isDir } = doomed;
      const { stream: _stream, ...call } = f;
      const parent = { ...call, handle: dir };
      if (isDir) await rmdir(d, parent, name);
      else await remove(d, parent, name);
    }
  } finally {
    if (c.retained) await d.orphans.reap(f.share.name, await d.metadata.release(f.handle));
  }
}
