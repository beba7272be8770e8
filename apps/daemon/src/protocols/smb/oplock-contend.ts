/**
 * What waits on oplock and lease breaks, as Samba's delay_for_oplock decides it ([MS-SMB2]
 * §3.3.5.9 CREATE, [MS-FSA] §2.1.4.12): a CREATE asks other holders for what it conflicts with
 * and waits only while one still holds what it must not (W, or H on a sharing violation) or is
 * in the middle of a break; a delete or rename waits until no other lease caches the handle.
 * Each acknowledgment wakes the waiters, which look again (oplocks.ts acknowledge).
 */
import {
  SMB2_LEASE_HANDLE_CACHING as H,
  SMB2_LEASE_READ_CACHING as R,
  SMB2_LEASE_WRITE_CACHING as W,
} from "./leases.ts";
import { STATUS_CANCELLED } from "./ntstatus.ts";
import { shareConflict } from "./opens.ts";
import { isStatOpen } from "./oplock-grant.ts";
import { requestBreak } from "./oplocks.ts";
import type { SmbRequest } from "./request.ts";
import type { CacheHolder, FileState, Open, SmbServerState } from "./state.ts";
import { SmbError } from "./status.ts";

export interface OpenIntent {
  access: number;
  share: number;
  overwrite: boolean;
  leaseId: string | null;
  /** CREATE with FILE_DELETE_ON_CLOSE: other leases give up H as for SET_INFO disposition. */
  deleteOnClose?: boolean;
}

/**
 * One look at the holders for a new open: the breaks it needs are asked for, and the holders it
 * must wait on are returned. A sharing violation asks for H only (a client may close a cached
 * handle and let the open through); otherwise W goes, and an overwrite takes R and H as well
 * without waiting for them (smbtorture smb2.lease.breaking4). A holder in the middle of a break
 * holds back an open that needs nothing of it, and any open on a second look (breaking3).
 */
function contend(
  server: SmbServerState,
  file: FileState,
  own: CacheHolder | null,
  p: OpenIntent,
  first: boolean,
): CacheHolder[] {
  const violation = [...file.opens].some((o) => shareConflict(o, p.access, p.share));
  const blockers: CacheHolder[] = [];
  for (const h of file.holders) {
    if (h === own || (isStatOpen(p.access, h.lease !== null) && !p.overwrite)) continue;
    // A delete-on-close open waits for other leases' H ([MS-FSA] §2.1.5.1.2; smb2.lease.unlink).
    const delayMask = violation ? H : W | (p.deleteOnClose && h.lease ? H : 0);
    let to = h.state & ~delayMask;
    if (p.overwrite && !violation) to &= ~(R | H);
    if ((h.state & ~to) === 0) {
      if (h.breaking) blockers.push(h);
      continue;
    }
    requestBreak(server, h, to);
    if (h.breaking && (h.state & delayMask || !first)) blockers.push(h);
  }
  return blockers;
}

/** Waits for the next acknowledgment (or timeout, or close) of any of `holders`. */
class BreakWait {
  private signal: AbortSignal | null | undefined;
  constructor(private readonly req: SmbRequest) {}

  /**
   * Goes async the first time (interim STATUS_PENDING, §3.3.4.2) where the request may; CANCEL
   * then ends the wait with STATUS_CANCELLED.
   */
  async next(holders: CacheHolder[]): Promise<void> {
    const changed = Promise.race(holders.map((h) => h.breaking!.done));
    if (this.signal === undefined) this.signal = this.req.canGoAsync ? this.req.goAsync() : null;
    const signal = this.signal;
    if (!signal) return changed;
    if (signal.aborted) throw new SmbError(STATUS_CANCELLED);
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(new SmbError(STATUS_CANCELLED));
      signal.addEventListener("abort", onAbort, { once: true });
      void changed.then(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      });
    });
  }
}

/** Breaks other holders as this open requires, waiting as contend decides. */
export async function breakForOpen(req: SmbRequest, fileKey: string, p: OpenIntent): Promise<void> {
  const server = req.server;
  const own = p.leaseId ? (server.leases.get(p.leaseId) ?? null) : null;
  const wait = new BreakWait(req);
  for (let first = true; ; first = false) {
    const file = server.files.get(fileKey);
    if (!file || file.holders.size === 0) return;
    const blockers = contend(server, file, own, p, first);
    if (blockers.length === 0) return;
    await wait.next(blockers);
  }
}

/**
 * The files whose leases a delete or rename of `open` asks for H: its own, and for a directory
 * every file opened below it (Samba's recursive delay_for_handle_lease_break: a client caching a
 * handle below, as the Linux client does for directories it leases, closes it and the rename of
 * the directory can go on instead of failing on an open below it).
 */
function handleFiles(server: SmbServerState, open: Open): FileState[] {
  const own = server.files.get(open.fileKey);
  const files = own ? [own] : [];
  if (!open.isDir) return files;
  const share = open.tree.share.name;
  const prefix = `${open.path}\\`;
  for (const f of server.files.values()) {
    if (f === own || f.holders.size === 0) continue;
    if ([...f.opens].some((o) => o.tree.share.name === share && o.path.startsWith(prefix))) files.push(f);
  }
  return files;
}

/**
 * A delete (SET_INFO disposition) or rename asks other leases to give up H and waits until none
 * caches the handle, so their clients close what they keep open and the change can happen
 * ([MS-FSA] §2.1.5.14.3 FileDispositionInformation, §2.1.5.14.11 FileRenameInformation break
 * HANDLE_CACHING; Samba's delay_for_handle_lease_break; smbtorture smb2.lease.unlink,
 * .rename_wait, .v2_rename). Oplocks are left alone (smb2.oplock.doc).
 */
export async function breakHandleLeases(req: SmbRequest, open: Open): Promise<void> {
  const server = req.server;
  const own = open.holder?.lease ? open.holder : null;
  const wait = new BreakWait(req);
  for (;;) {
    const blockers: CacheHolder[] = [];
    for (const file of handleFiles(server, open)) {
      for (const h of file.holders) {
        if (h === own || !h.lease || !(h.state & H)) continue;
        requestBreak(server, h, h.state & ~H);
        if (h.breaking) blockers.push(h);
      }
    }
    if (blockers.length === 0) return;
    await wait.next(blockers);
  }
}
