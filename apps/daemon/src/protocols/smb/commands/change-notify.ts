/**
 * SMB2 CHANGE_NOTIFY ([MS-SMB2] §2.2.35, §2.2.36, §3.3.5.19): waits (async, CANCEL-able) until
 * a name is added to, removed from or renamed in the directory or a file in it is modified
 * (notify-modified.ts), then returns the changes as
 * FILE_NOTIFY_INFORMATION entries; STATUS_NOTIFY_ENUM_DIR when they do not fit or were dropped,
 * STATUS_NOTIFY_CLEANUP when the directory handle is closed while waiting, STATUS_DELETE_PENDING
 * when another open's close leaves the directory delete-pending.
 */

import { FILE_LIST_DIRECTORY } from "../constants.ts";
import { drain, MAX_NOTIFY_WAITERS, watch } from "../notify.ts";
import { followModified } from "../notify-modified.ts";
import {
  STATUS_ACCESS_DENIED,
  STATUS_CANCELLED,
  STATUS_DELETE_PENDING,
  STATUS_INVALID_PARAMETER,
  STATUS_NOTIFY_CLEANUP,
  STATUS_NOTIFY_ENUM_DIR,
} from "../ntstatus.ts";
import type { NotifyOutcome, NotifyState } from "../open-parts.ts";
import { type CommandSpec, type Reply, readFileId, type SmbRequest } from "../request.ts";
import { SmbError } from "../status.ts";
import { SmbWriter } from "../wire.ts";

/** §2.2.35 Flags: watch the whole subtree. */
const SMB2_WATCH_TREE = 0x0001;

/** §2.2.36 response: StructureSize 9, OutputBufferOffset (header + 8), OutputBufferLength. */
function response(status: number, data: Buffer | null): Reply {
  const len = data?.length ?? 0;
  const body = new SmbWriter(8 + len)
    .u16(9)
    .u16(len ? 64 + 8 : 0)
    .u32(len)
    .finish();
  return { status, body: len ? Buffer.concat([body, data!]) : body };
}

function changes(n: NotifyState, maxBytes: number): Reply {
  const data = drain(n, maxBytes);
  return data ? response(0, data) : response(STATUS_NOTIFY_ENUM_DIR, null);
}

function wait(n: NotifyState, signal: AbortSignal | null): Promise<NotifyOutcome> {
  return new Promise((resolve, reject) => {
    const waiter = (o: NotifyOutcome) => {
      signal?.removeEventListener("abort", onAbort);
      resolve(o);
    };
    const onAbort = () => {
      const i = n.waiters.indexOf(waiter);
      if (i >= 0) n.waiters.splice(i, 1);
      reject(new SmbError(STATUS_CANCELLED));
    };
    n.waiters.push(waiter);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export async function changeNotify(req: SmbRequest): Promise<Reply> {
  const r = req.reader();
  const flags = r.u16();
  const maxBytes = r.u32();
  const open = req.open(readFileId(r));
  const filter = r.u32();
  if (!open.isDir || filter === 0) throw new SmbError(STATUS_INVALID_PARAMETER, "not a directory watch");
  // [MS-SMB2] §3.3.5.19: a watch needs FILE_LIST_DIRECTORY on the directory open.
  if (!(open.grantedAccess & FILE_LIST_DIRECTORY)) throw new SmbError(STATUS_ACCESS_DENIED);
  if (maxBytes > req.server.config.maxTransactBytes) throw new SmbError(STATUS_INVALID_PARAMETER, "length");
  const n = watch(req.server, open, filter, (flags & SMB2_WATCH_TREE) !== 0, maxBytes);
  followModified(req.server);
  if (n.queue.length > 0 || n.overflow) return changes(n, maxBytes);
  if (n.waiters.length >= MAX_NOTIFY_WAITERS) throw new SmbError(STATUS_INVALID_PARAMETER, "too many waits");
  const outcome = await wait(n, req.goAsync());
  if (outcome === "cleanup") return response(STATUS_NOTIFY_CLEANUP, null);
  if (outcome === "delete-pending") return response(STATUS_DELETE_PENDING, null);
  return changes(n, maxBytes);
}

export const CHANGE_NOTIFY: CommandSpec = {
  name: "CHANGE_NOTIFY",
  structureSize: 32,
  needsSession: true,
  needsTree: true,
  handle: changeNotify,
};
