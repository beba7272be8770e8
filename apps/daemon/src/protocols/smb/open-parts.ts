/**
 * The parts of an SMB open's state ([MS-SMB2] §3.3.1.10) that one feature each keeps on it: the
 * directory enumeration, the channel sequence, the delayed write time, durability and
 * CHANGE_NOTIFY. They reference nothing of the open, so state.ts's Open (and the modules that
 * keep these parts, which import state.ts) can name them without an import cycle.
 */
import type { FileAttr } from "../../metadata/types.ts";

/** QUERY_DIRECTORY's enumeration of a directory open (commands/query-directory.ts). */
export interface DirEnum {
  pattern: string;
  cookie: bigint;
  verifier: Buffer | null;
  /** Entries fetched but not yet returned (buffer full). */
  pending: DirItem[];
  dotsSent: boolean;
  eof: boolean;
  started: boolean;
}

export interface DirItem {
  name: string;
  attr: FileAttr;
}

/** §3.3.1.10 Open.ChannelSequence, OutstandingRequestCount, OutstandingPreRequestCount (channel-sequence.ts). */
export interface ChannelSequence {
  sequence: number;
  /** Counts wraps of the 16-bit sequence, so a reply knows which count its request was in. */
  generation: number;
  requests: number;
  preRequests: number;
}

/** An open's part in the delayed write-time update (write-time.ts). */
export interface WriteTimeState {
  /** The delayed update, scheduled by the first write. */
  timer: NodeJS.Timeout | null;
  /** The first write happened: later writes schedule nothing (only an update at close). */
  triggered: boolean;
  /** A write happened since the last update: CLOSE stores the current time. */
  updateOnClose: boolean;
  /** LastWriteTime was set or frozen through this open ([MS-FSA] Open.UserSetModificationTime). */
  userSet: boolean;
  /** ChangeTime was set or frozen through this open ([MS-FSA] Open.UserSetChangeTime): its changes keep it. */
  changeSet: boolean;
}

/** A durable open's state ([MS-SMB2] §3.3.1.10 IsDurable, DurableOpenTimeout, CreateGuid). */
export interface DurableState {
  /** How long the open outlives its connection (§3.3.1.10 Open.DurableOpenTimeout). */
  timeoutMs: number;
  /** DH2Q's CreateGuid (null for a v1 durable open), checked by DH2C and replays. */
  createGuid: Buffer | null;
  /** The AllocationSize the CREATE answered (a reconnect answers it again). */
  allocation: bigint;
  /** The scavenger's timer while the open is disconnected (§3.3.2.x durable timer); else null. */
  scavenger: NodeJS.Timeout | null;
}

/** CHANGE_NOTIFY state of a directory open (notify.ts). */
export type NotifyOutcome = "changes" | "cleanup" | "delete-pending";

export interface NotifyState {
  filter: number;
  tree: boolean;
  /** The first request's OutputBufferLength: later requests get at most this many bytes (as Samba). */
  maxBytes: number;
  queue: { action: number; name: string }[];
  overflow: boolean;
  waiters: ((o: NotifyOutcome) => void)[];
}
