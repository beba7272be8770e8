/**
 * The SMB adapter's change gate on the file service (FileService.addChangeGate): before
 * another protocol (NFS) reads, writes, truncates, removes or renames a file an SMB client
 * caches, the oplock or lease is broken and the change waits for the acknowledgment
 * ([MS-SMB2] §3.3.4.6, §3.3.4.7: "the object store indicates an oplock/lease break"), so the
 * NFS client sees data the SMB client flushed and the SMB client drops what NFS changed.
 * SMB's own calls (Caller.origin "smb") are coordinated by the SMB commands themselves.
 *
 * The wait is bounded by the `crossProtocolBreakWaitMs` adapter setting, not the 35 s an SMB
 * CREATE waits (OPLOCK_BREAK_TIMEOUT_MS): an NFS client retries a call it gets no reply to, and
 * one SMB client that never acknowledges must not stall NFS for half a minute. When it expires
 * the break counts as acknowledged (the holder is downgraded, as on timer expiry in §3.3.2.1,
 * §3.3.2.5) and the NFS call goes on.
 */
import type { ChangeGate, FileChangeIntent } from "../../files/changes.ts";
import { SMB2_LEASE_WRITE_CACHING as W } from "./leases.ts";
import { breakOthers, expireBreaks } from "./oplocks.ts";
import type { CacheHolder, FileState, SmbServerState } from "./state.ts";

/** Lookups made to find the file of a remove/rename (names resolve whatever the caller). */
const GATE_CALLER = { uid: 0, gid: 0, gids: [], origin: "smb" } as const;

function breakFor(
  server: SmbServerState,
  file: FileState,
  kind: FileChangeIntent["kind"],
): Promise<void> | undefined {
  // A reader only needs the writer's dirty data flushed; any change ends all caching.
  const to = kind === "read" ? (h: CacheHolder) => h.state & ~W : () => 0;
  const acked = breakOthers(server, file, null, to, true);
  return acked && boundedWait(server, file, acked, to);
}

async function boundedWait(
  server: SmbServerState,
  file: FileState,
  acked: Promise<void>,
  to: (h: CacheHolder) => number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<true>((resolve) => {
    timer = setTimeout(() => resolve(true), server.config.crossProtocolBreakWaitMs);
  });
  const late = await Promise.race([acked.then(() => false), expired]);
  clearTimeout(timer);
  if (!late) return;
  const n = expireBreaks(file, to);
  server.ctx.logger.warn(
    { file: file.handleKey, holders: n },
    "smb: break not acknowledged before an NFS change; downgraded",
  );
}

async function breakByName(server: SmbServerState, intent: FileChangeIntent): Promise<void> {
  const dir = { caller: GATE_CALLER, handle: intent.dir!, share: intent.share };
  const found = await server.ctx.files.find(dir, intent.name!).catch(() => null);
  if (!found) return;
  const file = server.cachedFiles.get(found.handle.toString("hex"));
  if (file) await breakFor(server, file, intent.kind);
}

export function smbChangeGate(server: SmbServerState): ChangeGate {
  return (intent) => {
    if (intent.caller.origin === "smb" || server.cachedFiles.size === 0) return undefined;
    if (intent.handle) {
      const file = server.cachedFiles.get(intent.handle.toString("hex"));
      return file ? breakFor(server, file, intent.kind) : undefined;
    }
    if (intent.dir && intent.name !== undefined) return breakByName(server, intent);
    return undefined;
  };
}
