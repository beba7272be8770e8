/**
 * CREATE of a named stream ("file:name[:$DATA]", [MS-FSCC] §2.1.4; [MS-FSA] §2.1.5.1): the file
 * is opened (created when the disposition creates), then the stream as the request's disposition
 * says, through the file service (files/streams.ts). A stream open has share modes, a
 * delete-pending state and oplocks or leases of its own (its SMB file key names the stream).
 */
import type { OpenResult } from "../../files/open.ts";
import { type OpenedStream, streamAttr } from "../../files/streams.ts";
import type { FileCall, OpenDisposition } from "../../files/types.ts";
import * as C from "./constants.ts";
import * as S from "./ntstatus.ts";
import { SmbError } from "./status.ts";

/** The file's disposition when one of its streams is opened: creating a stream creates the file. */
export function fileDisposition(stream: OpenDisposition): OpenDisposition {
  return stream === "open" || stream === "overwrite" ? "open" : "open-if";
}

/** A stream (a named one or "::$DATA") is data: never a directory ([MS-FSA] §2.1.5.1). */
export function checkStreamOptions(options: number): void {
  if (options & C.FILE_DIRECTORY_FILE) throw new SmbError(S.STATUS_NOT_A_DIRECTORY, "stream as directory");
}

/** The per-file SMB key (share modes, delete pending, caching) of the file or one of its streams. */
export function streamFileKey(fileKey: string, stream: string | null): string {
  return stream === null ? fileKey : `${fileKey}:${stream.toLowerCase()}`;
}

/** The SMB key of the file itself an open is on (streamFileKey's `fileKey`), also for a stream open. */
export function baseFileKey(open: { tree: { share: { name: string } }; fileid: bigint }): string {
  return `${open.tree.share.name}:${open.fileid}`;
}

/** Whether one of the file's named streams (keys `fileKey:name`) is open. */
export function streamsOpen(
  files: ReadonlyMap<string, { opens: ReadonlySet<unknown> }>,
  fileKey: string,
): boolean {
  const prefix = `${fileKey}:`;
  for (const [key, file] of files) if (file.opens.size > 0 && key.startsWith(prefix)) return true;
  return false;
}

/** A file-service call on the stream `stream` of the file `f` (on the file itself for null). */
export function onStream(f: FileCall, stream: string | null): FileCall {
  return stream === null ? f : { ...f, stream };
}

/** The CREATE result for a stream open: the file's times and attributes, the stream's sizes. */
export function streamOpenResult(opened: OpenResult, s: OpenedStream): OpenResult {
  const attr = streamAttr(opened.attr, s.size);
  const action = opened.action === "created" ? "created" : s.action;
  return { ...opened, attr, action };
}
