/**
 * SMB2_CREATE_APP_INSTANCE_ID ([MS-SMB2] §2.2.13.2.13, §3.3.5.9.13): a clustered application
 * restarted elsewhere (another client, so another ClientGuid) opens its file again with the same
 * AppInstanceId, and the server closes the instance's older open first — before the new open's
 * share-mode check and oplock/lease breaks, so nothing waits on a client that is gone
 * (smbtorture smb2.durable-v2-open.app-instance). SMB2_CREATE_APP_INSTANCE_VERSION is not
 * offered: the open found is closed whatever versions either names.
 */
import { closeOpen, releaseOpen } from "./commands/close.ts";
import * as C from "./constants.ts";
import type { CreateContext } from "./create-contexts.ts";
import { STATUS_INVALID_PARAMETER } from "./ntstatus.ts";
import type { SmbRequest } from "./request.ts";
import { type FileState, isDisconnected, type Open } from "./state.ts";
import { SmbError } from "./status.ts";

/** §2.2.13.2 the context's name: the GUID 45BCA66A-EFA7-F74A-9008-FA462E144D74 as sent. */
const APP_INSTANCE_ID_TAG = Buffer.from("45bca66aefa7f74a9008fa462e144d74", "hex").toString("latin1");
/** §2.2.13.2.13: StructureSize (20), Reserved, AppInstanceId (16 bytes). */
const APP_INSTANCE_ID_BYTES = 20;

/**
 * The AppInstanceId of a CREATE, or null: the context counts on the 3.x dialects only, and a
 * durable reconnect (DH2C, handled before this) ignores it (§3.3.5.9.13).
 */
export function appInstanceId(req: SmbRequest, contexts: CreateContext[]): Buffer | null {
  if (req.conn.dialect < C.SMB2_DIALECT_300) return null;
  const ctx = contexts.find((c) => c.name === APP_INSTANCE_ID_TAG);
  if (!ctx) return null;
  if (ctx.data.length !== APP_INSTANCE_ID_BYTES || ctx.data.readUInt16LE(0) !== APP_INSTANCE_ID_BYTES)
    throw new SmbError(STATUS_INVALID_PARAMETER, "APP_INSTANCE_ID size");
  return Buffer.from(ctx.data.subarray(4, 20));
}

/**
 * §3.3.5.9.13: closes the opens of `file` (one path on one share: the file key) carrying
 * AppInstanceId `id` that another client (ClientGuid) made, as "the server application requests
 * closing an open" (§3.3.4.17): a later request on it answers FILE_CLOSED. Only the same user's
 * opens: an AppInstanceId is no credential, and another user's open stays (the new open then
 * meets it as any other). True when a closed open took the file along (delete-on-close).
 */
export async function closeAppInstance(req: SmbRequest, file: FileState, id: Buffer): Promise<boolean> {
  const user = req.requireSession().principal?.username;
  let deleted = false;
  for (const open of [...file.opens]) {
    if (!open.appInstanceId?.equals(id) || open.conn.clientGuid.equals(req.conn.clientGuid)) continue;
    if (open.session.principal?.username !== user) continue;
    deleted ||= open.deleteOnClose || file.deletePending;
    await forceClose(req, open);
  }
  return deleted;
}

async function forceClose(req: SmbRequest, open: Open): Promise<void> {
  if (open.conn.opens.get(open.volatileId) === open) return closeOpen(open);
  // A disconnected durable open belongs to no connection: the scavenger's path.
  if (isDisconnected(open) && req.server.durableOpens.get(open.persistentId) === open)
    await releaseOpen(req.server, open);
}
