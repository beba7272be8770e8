/**
 * FileRenameInformation on a named stream open ([MS-FSA] §2.1.5.15.11.1 stream rename; SMB2
 * SET_INFO, [MS-SMB2] §3.3.5.21.1): a new name ":name[:$DATA]" renames the stream within its
 * file (files/streams.ts: one metadata transaction, so every store and protocol sees one name).
 * The open keeps its share reservation and caching under the new name: its per-stream file key
 * and the file service's reservation move along. "::$DATA" makes the stream the file's data.
 */

import { fileCall, treeCall } from "./calls.ts";
import { baseFileKey, streamFileKey } from "./create-stream.ts";
import * as S from "./ntstatus.ts";
import { smbReservation } from "./opens.ts";
import { detachHolder } from "./oplocks.ts";
import { parsePath } from "./paths.ts";
import type { SmbRequest } from "./request.ts";
import type { Open } from "./state.ts";
import { SmbError, withStatus } from "./status.ts";

/**
 * Renames the stream `open` has open to `name` (overwriting an existing stream with `replace`).
 * A name that is not ":stream" would rename the file while this stream of it is open: Windows
 * answers SHARING_VIOLATION (smbtorture smb2.streams.rename2).
 */
export async function renameStreamOpen(req: SmbRequest, open: Open, name: string, replace: boolean) {
  if (!name.startsWith(":")) throw new SmbError(S.STATUS_SHARING_VIOLATION, "file rename from a stream open");
  const target = parsePath(name);
  const file = req.server.files.get(open.fileKey);
  // Another open of this stream would find it renamed under it: the rename waits for it to go.
  if (file && [...file.opens].some((o) => o !== open)) throw new SmbError(S.STATUS_SHARING_VIOLATION);
  if (target.stream === null) return toDataStream(req, open, replace);
  const server = req.server;
  const from = open.stream!;
  const to = target.stream;
  const oldKey = open.fileKey;
  const newKey = streamFileKey(baseFileKey(open), to);
  // As for files, an open target is not replaced (Samba: ACCESS_DENIED).
  if (newKey !== oldKey && (server.files.get(newKey)?.opens.size ?? 0) > 0)
    throw new SmbError(S.STATUS_ACCESS_DENIED, "target stream open");
  const files = server.ctx.files;
  await withStatus({ EEXIST: S.STATUS_OBJECT_NAME_COLLISION }, () =>
    files.renameStream(fileCall(open), to, replace),
  );
  const base = treeCall(open.tree, open.handle);
  files.unreserve({ ...base, stream: from }, open.lockOwner);
  open.stream = to;
  files.reserve(fileCall(open), smbReservation(open.lockOwner, open.grantedAccess, open.shareAccess));
  open.path = `${open.path.slice(0, open.path.length - from.length)}${to}`;
  if (file && newKey !== oldKey) {
    server.files.delete(oldKey);
    server.files.set(newKey, file);
  }
  open.fileKey = newKey;
}

/**
 * "::$DATA" ([MS-FSA] §2.1.5.15.11.1, as Windows answers smbtorture smb2.streams.rename2): the
 * stream becomes the file's data (files/stream-data.ts; a file with data keeps it unless
 * replacing: OBJECT_NAME_COLLISION) and this open an open of the file, without the stream's
 * oplock or lease. An open file would see its data change under it: SHARING_VIOLATION. The
 * open's share reservation is taken on the file first, so a conflict changes nothing.
 */
async function toDataStream(req: SmbRequest, open: Open, replace: boolean): Promise<void> {
  const server = req.server;
  const key = baseFileKey(open);
  if ((server.files.get(key)?.opens.size ?? 0) > 0) throw new SmbError(S.STATUS_SHARING_VIOLATION);
  const files = server.ctx.files;
  const stream = fileCall(open);
  const file = treeCall(open.tree, open.handle);
  const reservation = smbReservation(open.lockOwner, open.grantedAccess, open.shareAccess);
  const conflicts = { EBUSY: S.STATUS_SHARING_VIOLATION, EGRACE: S.STATUS_SHARING_VIOLATION };
  await withStatus(conflicts, async () => files.reserve(file, reservation));
  try {
    await withStatus({ EEXIST: S.STATUS_OBJECT_NAME_COLLISION }, () =>
      files.renameStream(stream, null, replace),
    );
  } catch (e) {
    files.unreserve(file, open.lockOwner);
    throw e;
  }
  files.unreserve(stream, open.lockOwner);
  detachHolder(server, open);
  server.files.delete(open.fileKey);
  open.path = open.path.slice(0, open.path.length - open.stream!.length - 1);
  open.stream = null;
  open.fileKey = key;
  server.file(key, open.handle).opens.add(open);
  open.written = true;
}
