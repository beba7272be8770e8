/**
 * LastWriteTime as SMB clients see it (docs/architecture.md "Times"). Windows, and Samba after it,
 * delay the write-time update after a write: the first write through an open schedules the update
 * `writeTimeUpdateDelayMs` (2 s) later, further writes through it only ask for one at close, and a
 * FLUSH, an end-of-file or a basic-information SET_INFO applies a pending update at once
 * (smbtorture smb2.timestamps delayed-*). Until then every SMB reply reports the write time the
 * file had before the write (FileState.writeTime), while the stored mtime moves with each write,
 * so NFS clients see their usual mtime. An open whose LastWriteTime was set explicitly or frozen
 * (-1, [MS-FSA] §2.1.5.14.2 Open.UserSetModificationTime) makes no update; its writes keep the
 * reported time, and its close stores that time again.
 */
import type { FileAttr, SetAttrs, Timespec } from "../../metadata/types.ts";
import { grantedCall } from "./calls.ts";
import type { WriteTimeState } from "./open-parts.ts";
import type { Open, SmbServerState } from "./state.ts";

function stateOf(open: Open): WriteTimeState {
  open.writeTime ??= {
    timer: null,
    triggered: false,
    updateOnClose: false,
    userSet: false,
    changeSet: false,
  };
  return open.writeTime;
}

/** `attr` with the LastWriteTime SMB reports while an update is pending. */
export function reported(server: SmbServerState, fileKey: string, attr: FileAttr): FileAttr {
  const held = server.files.get(fileKey)?.writeTime;
  return held ? { ...attr, mtime: held } : attr;
}

/** After a write through `open` of a file whose mtime was `before`. */
export function noteWrite(server: SmbServerState, open: Open, before: Timespec): void {
  const file = server.files.get(open.fileKey);
  if (!file) return;
  file.writeTime ??= before;
  const s = stateOf(open);
  if (s.userSet) return;
  s.updateOnClose = true;
  if (s.triggered) return;
  s.triggered = true;
  s.timer = setTimeout(() => void applyUpdate(server, open), server.config.writeTimeUpdateDelayMs);
  s.timer.unref();
}

/** Stores the current time as LastWriteTime now if `open` has an update pending (FLUSH, SET_INFO). */
export async function flushUpdate(server: SmbServerState, open: Open): Promise<void> {
  const s = open.writeTime;
  if (s && (s.timer !== null || s.updateOnClose)) await applyUpdate(server, open);
}

async function applyUpdate(server: SmbServerState, open: Open): Promise<void> {
  const s = stateOf(open);
  if (s.timer) clearTimeout(s.timer);
  s.timer = null;
  s.triggered = true;
  s.updateOnClose = false;
  await storeWriteTime(server, open, "now");
}

async function storeWriteTime(server: SmbServerState, open: Open, mtime: Timespec | "now"): Promise<void> {
  const file = server.files.get(open.fileKey);
  if (file) file.writeTime = null;
  // The file may be gone or read-only by now; the update is then moot.
  await server.ctx.files.setattr(grantedCall(open), { attrs: { mtime } }).catch(() => undefined);
}

/**
 * [MS-FSA] §2.1.5.14.2: LastWriteTime was set explicitly or frozen (-1) through `open` (`true`), or
 * thawed (-2, `false`); an explicit time is the stored one, so nothing is held for replies.
 */
export function setUserSet(server: SmbServerState, open: Open, userSet: boolean, explicit: boolean): void {
  const s = stateOf(open);
  s.userSet = userSet;
  if (userSet && s.timer) clearTimeout(s.timer);
  if (userSet) [s.timer, s.updateOnClose] = [null, false];
  const file = server.files.get(open.fileKey);
  if (explicit && file) file.writeTime = null;
}

/** ChangeTime set explicitly or frozen (`true`), or thawed (`false`), through `open`. */
export function setChangeSet(open: Open, changeSet: boolean): void {
  stateOf(open).changeSet = changeSet;
}

/** Attributes a SET_INFO through `open` changes, with its ChangeTime kept when the open set or froze it. */
export function keepingChangeTime(open: Open, attrs: SetAttrs): SetAttrs {
  return open.writeTime?.changeSet && attrs.changeTime === undefined
    ? { ...attrs, changeTime: "keep" }
    : attrs;
}

/** At CLOSE, before the open leaves its file: the update it still owes, or its user-set time again. */
export async function closeUpdate(server: SmbServerState, open: Open, deleting: boolean): Promise<void> {
  const s = open.writeTime;
  if (!s) return;
  const withinDelay = s.timer !== null;
  if (s.timer) clearTimeout(s.timer);
  s.timer = null;
  if (deleting) return;
  const file = server.files.get(open.fileKey);
  const held = file?.writeTime;
  if (s.userSet && held) await storeWriteTime(server, open, held);
  else if (withinDelay && file) {
    // Closed before its update was due: the stored mtime is its last write's already, and a
    // small file written and closed at once costs no extra metadata transaction.
    file.writeTime = null;
  } else if (s.updateOnClose) await storeWriteTime(server, open, "now");
}
