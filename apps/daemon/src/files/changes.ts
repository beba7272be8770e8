/**
 * Coordination between protocols on one file, in the file service that every protocol's changes
 * pass through (docs/architecture.md "Layers"): change gates run before a change (SMB breaks the
 * oplocks and leases another protocol's change ends, [MS-SMB2] §3.3.4.6/§3.3.4.7), directory
 * listeners hear of names added and removed after it, modified listeners of files written or
 * whose attributes were set (SMB CHANGE_NOTIFY, §3.3.5.19).
 */
import type { ShareInfo } from "../domain/share.ts";
import type { Caller, SetAttrs } from "../metadata/types.ts";
import type { FileCall } from "./types.ts";

/**
 * A change about to be made to a file, offered to every change gate before it happens: NFS
 * writes, truncates, removes or renames a file an SMB client caches, or reads one it holds dirty
 * data for. `handle` names the file (read, write, setattr); `dir` + `name` name it for
 * remove/rename.
 */
export interface FileChangeIntent {
  kind: "read" | "write" | "setattr" | "remove" | "rename";
  caller: Caller;
  share: ShareInfo;
  handle?: Buffer;
  dir?: Buffer;
  name?: string;
}

/** Returns a promise to delay the change until it settles, or undefined to let it go at once. */
export type ChangeGate = (intent: FileChangeIntent) => Promise<void> | undefined;

/**
 * A name that appeared in or left a directory of `share`, after the change (whatever protocol
 * made it). A rename within one directory is "renamed-old" then "renamed-new"; across
 * directories "removed" then "added". `isDir` is null when not known.
 */
export interface DirChangeEvent {
  action: "added" | "removed" | "renamed-old" | "renamed-new";
  share: string;
  dir: Buffer;
  name: string;
  isDir: boolean | null;
}

export type DirChangeListener = (event: DirChangeEvent) => void;

/** What a FileModifiedEvent changed: bits of `changed`. */
export const MODIFIED = {
  size: 0x1,
  writeTime: 0x2,
  accessTime: 0x4,
  creationTime: 0x8,
  /** DOS attributes. */
  attributes: 0x10,
  /** Mode, owner or group. */
  security: 0x20,
  eas: 0x40,
} as const;

/**
 * A file of `share` changed in place (written, truncated, its attributes, times, ownership or EAs
 * set), after the change, whatever protocol made it. It is named by handle and fileid only: a
 * file has no single parent (hard links), so a listener that needs a name finds it.
 */
export interface FileModifiedEvent {
  share: string;
  handle: Buffer;
  fileid: bigint;
  /** MODIFIED bits. */
  changed: number;
}

export type FileModifiedListener = (event: FileModifiedEvent) => void;

/** The MODIFIED bits a SETATTR of `attrs` changes (`resized`: the size moved). */
export function setAttrsChanged(attrs: SetAttrs, resized: boolean): number {
  let bits = resized ? MODIFIED.size | MODIFIED.writeTime : 0;
  if (attrs.mtime !== undefined) bits |= MODIFIED.writeTime;
  if (attrs.atime !== undefined) bits |= MODIFIED.accessTime;
  if (attrs.btime !== undefined) bits |= MODIFIED.creationTime;
  if (attrs.dosAttributes !== undefined) bits |= MODIFIED.attributes;
  if (attrs.mode !== undefined || attrs.uid !== undefined || attrs.gid !== undefined)
    bits |= MODIFIED.security;
  return bits;
}

/** The event for `name` added to the directory of `dir`. */
export function added(dir: FileCall, name: string, isDir: boolean | null): DirChangeEvent {
  return { action: "added", share: dir.share.name, dir: dir.handle, name, isDir };
}

export class FileChanges {
  private readonly gates = new Set<ChangeGate>();
  private readonly listeners = new Set<DirChangeListener>();
  private readonly modifiedListeners = new Set<FileModifiedListener>();

  /** `onListenerError`: a listener's throw is reported there and never fails the change. */
  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  addGate(gate: ChangeGate): () => void {
    this.gates.add(gate);
    return () => this.gates.delete(gate);
  }

  addListener(listener: DirChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  addModifiedListener(listener: FileModifiedListener): () => void {
    this.modifiedListeners.add(listener);
    return () => this.modifiedListeners.delete(listener);
  }

  /** Whether anyone listens for in-place changes: the write path builds no event when no one does. */
  get watchesModified(): boolean {
    return this.modifiedListeners.size > 0;
  }

  /** Tells the modified listeners of `e` (after the change); nothing when `e.changed` is empty. */
  modified(e: FileModifiedEvent): void {
    if (e.changed === 0) return;
    for (const l of this.modifiedListeners) {
      try {
        l(e);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  /** Whether any gate is registered: the hot paths build no intent when none is. */
  get gated(): boolean {
    return this.gates.size > 0;
  }

  /** Runs the change gates; undefined (no await, the common case) when none asks to wait. */
  gate(intent: FileChangeIntent): Promise<void> | undefined {
    if (this.gates.size === 0) return undefined;
    const waits: Promise<void>[] = [];
    for (const g of this.gates) {
      const w = g(intent);
      if (w) waits.push(w);
    }
    return waits.length === 0 ? undefined : Promise.all(waits).then(() => undefined);
  }

  /** Tells the listeners of `events` once `op` succeeded. */
  told<T>(op: Promise<T>, events: readonly DirChangeEvent[]): Promise<T> {
    if (this.listeners.size === 0) return op;
    return op.then((result) => {
      for (const l of this.listeners) {
        for (const e of events) {
          try {
            l(e);
          } catch (err) {
            this.onListenerError(err);
          }
        }
      }
      return result;
    });
  }
}
