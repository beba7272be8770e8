/**
 * FileRenameInformation on a named stream open ([MS-FSA] §2.1.5.15.11.1 stream rename; SMB2
 * SET_INFO, [MS-SMB2] §3.3.5.21.1): a new name ":name[:$DATA]" renames the stream within its
 * file (files/streams.ts: one metadata transaction, so every store and protocol sees one name).
 * The open keeps its share reservation and caching under the new name: its per-stream file key
 * and the file service's reservation move along.
 */
import { baseFileKey, streamFileKey } from "./create-stream.ts";
import * as S from "./ntstatus.ts";
import { smbReservation } from "./opens.ts";
import { parsePath } from "./paths.ts";
import type { SmbRequest } from "./request.ts";
import { fileCall, type Open, treeCall } from "./state.ts";
import { SmbError, withStatus } from "./status.ts";

/**
 * Renames the stream `open` has open to `name` (overwriting an existing stream with `replace`).
 * A name that is not ":stream" would rename the file while this stream of it is open: Windows
 * answers SHARING_VIOLATION (smbtorture smb2.streams.rename2).
 */
export async function renameStreamOpen(req: SmbRequest, open: Open, name: string, replace: boolean) {
  if (!name.startsWith(":")) throw new SmbError(S.STATUS_SHARING_VIOLATION, "file rename from a stream open");
  const target = parsePath(name);
  if (target.stream === null)
    throw new SmbError(
      replace ? S.STATUS_NOT_SUPPORTED : S.STATUS_OBJECT_NAME_COLLISION,
      "to the data stream",
    );
  const server = req.server;
  const from = open.stream!;
  const to = target.stream;
  const oldKey = open.fileKey;
  const newKey = streamFileKey(baseFileKey(open), to);
  const file = server.files.get(oldKey);
  // Another open of this stream would find it renamed under it: the rename waits for it to go.
  if (file && [...file.opens].some((o) => o !== open)) throw new SmbError(S.STATUS_SHARING_VIOLATION);
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
