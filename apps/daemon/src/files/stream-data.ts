/**
 * A named stream renamed to the default data stream ([MS-FSA] §2.1.5.15.11.1, SMB
 * FileRenameInformation "::$DATA"): the stream's bytes become the file's data and the stream is
 * gone. A file with data keeps it unless the rename replaces (EEXIST). Three steps, not one
 * transaction (the data lives in the payload, the stream in the metadata): the file is emptied,
 * written, then the stream removed, so a crash between them leaves the bytes in the stream still.
 */
import { FsError } from "../domain/errors.ts";
import { type DataDeps, write } from "./data.ts";
import { setattr } from "./setattr.ts";
import { removeStream } from "./streams.ts";
import type { FileCall } from "./types.ts";

export async function streamToData(d: DataDeps, f: FileCall, replace: boolean): Promise<void> {
  const value = await d.metadata.namedAttr(f.caller, f.handle, "stream", f.stream!);
  const { stream: _stream, ...file } = f;
  const { size } = await d.metadata.getattr(f.handle);
  if (size > 0 && !replace) throw new FsError("EEXIST", "the file has data");
  if (size > 0) await setattr(d, file, { attrs: { size: 0 } });
  if (value.length > 0) await write(d, file, { offset: 0n, data: value, stability: "file_sync" });
  await removeStream(d, f);
}
