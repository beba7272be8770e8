/**
 * Server, session, tree and open state ([MS-SMB2] §3.3.1). Connection-level state lives on
 * `SmbConnection`; what several connections share (share modes, delete-pending files, session
 * ids, the durable and replay registries) lives on `SmbServerState`. The configuration and
 * limits are limits.ts's, a session's channels channels.ts's, opens as file-service calls calls.ts's,
 * and the parts of an open that one feature each keeps (durability, CHANGE_NOTIFY, ...) open-parts.ts's.
 */

import { FairMap } from "../../domain/fair-map.ts";
import type { Principal } from "../../domain/identity.ts";
import type { ShareInfo } from "../../domain/share.ts";
import type { ShareAccess } from "../../domain/share-access.ts";
import type { Caller, Timespec } from "../../metadata/types.ts";
import type { AdapterContext } from "../adapter.ts";
import type { SessionCipher } from "./auth/encryption.ts";
import type { SigningKey } from "./auth/signing.ts";
import type { CreateResponse } from "./create-contexts.ts";
import type { Smb2Header } from "./header.ts";
import { MAX_ENDED_SESSIONS, type SmbConfig } from "./limits.ts";
import type { ChannelSequence, DirEnum, DurableState, NotifyState, WriteTimeState } from "./open-parts.ts";
import type { Sealer } from "./reply-writer.ts";
import type { RpcPipe } from "./rpc/pipe.ts";

export interface Session {
  id: bigint;
  state: "in-progress" | "valid";
  principal: Principal | null;
  guest: boolean;
  anonymous: boolean;
  sessionKey: Buffer | null;
  signingKey: SigningKey | null;
  signingRequired: boolean;
  /** §3.3.1.8 EncryptionKey/DecryptionKey with the connection's cipher (null: no encryption). */
  cipher: SessionCipher | null;
  /** §3.3.1.8 Session.EncryptData: every request after SESSION_SETUP must be encrypted. */
  encryptData: boolean;
  /** §3.3.1.8 Session.PreauthIntegrityHashValue (3.1.1 only). */
  preauthHash: Buffer | null;
  ntlmChallenge: Buffer | null;
  ntlmFlags: number;
  /** Whether the client spoke SPNEGO (else raw NTLMSSP). */
  spnego: boolean;
  trees: Map<number, Tree>;
  /** Session.Connection's Dialect and CipherId: a bound channel must match them (§3.3.5.5.2). */
  dialect: number;
  cipherId: number;
  /**
   * §3.3.1.8 Session.ChannelList: every connection the session is valid on (the one it was
   * established on and the bound ones) with its channel's signing key (session-bind.ts).
   */
  channels: Map<SmbConnectionPort, Channel>;
}

/** §3.3.1.14 Channel: a connection a session is usable on. */
export interface Channel {
  /** Channel.SigningKey: the session's own on its first connection; null while a bind authenticates. */
  signingKey: SigningKey | null;
  /** The bind's authentication in progress (its NTLM challenge and 3.1.1 preauth hash). */
  bind: BindAuth | null;
}

export interface BindAuth {
  ntlmChallenge: Buffer | null;
  ntlmFlags: number;
  spnego: boolean;
  /** §3.3.1.16 PreauthSession.PreauthIntegrityHashValue of the bind (3.1.1 only). */
  preauthHash: Buffer | null;
}

export interface Tree {
  id: number;
  /** The IPC$ tree: its commands go through IPC_COMMANDS (ipc.ts) first. */
  ipc: boolean;
  /** Named pipes open on the IPC$ tree, by volatile FileId (ipc.ts). */
  pipes?: Map<bigint, RpcPipe>;
  share: ShareInfo;
  root: Buffer;
  caller: Caller;
  /** What the share's access policy gave the user at TREE_CONNECT (FileService.connect). */
  access: ShareAccess;
  /** The user may change the share: a read-write grant on a share that is not read-only. */
  writable: boolean;
  /** The status a write on this tree fails with. */
  readOnlyStatus: number;
  /** §3.3.1.10 TreeConnect.EncryptData (SMB2_SHAREFLAG_ENCRYPT_DATA). */
  encryptData: boolean;
  maximalAccess: number;
  clientId: string;
}

export interface Open {
  persistentId: bigint;
  volatileId: bigint;
  session: Session;
  tree: Tree;
  handle: Buffer;
  /** Parent directory handle and name (null for the share root). */
  parent: Buffer | null;
  name: string;
  /** Path from the share root with backslashes, for FileNameInformation. */
  path: string;
  isDir: boolean;
  /** The named stream opened ("file:name", its stored spelling), null for the file itself. */
  stream: string | null;
  fileid: bigint;
  fileKey: string;
  grantedAccess: number;
  /**
   * Who was granted `grantedAccess`: the tree's caller at CREATE. A re-authentication changes
   * the tree's caller, not what the open may do ([MS-SMB2] §3.3.5.21.3 checks Open.GrantedAccess),
   * so SET_INFO security acts as this caller (smb2.session.reauth4).
   */
  grantee: Caller;
  /**
   * The file's stored ACL decided `grantedAccess` at CREATE (not the mode): reads, writes,
   * SETATTR and listings through the open pass the mode checks with the rwx that access stands
   * for (`grantedCall`), since the mode beside a stored ACL is only what NFS may do
   * (files/nt-acl/mode.ts).
   */
  aclDecided: boolean;
  /**
   * A stored ACL granted this open's DELETE, the file's or its directory's FILE_DELETE_CHILD
   * (files/security.ts deleteGrant): its delete on close or rename passes the directory's mode.
   */
  aclDelete: boolean;
  shareAccess: number;
  deleteOnClose: boolean;
  lockOwner: string;
  /** §3.3.1.10 Open.LockSequenceArray (lock-sequence.ts), made at the first checked LOCK. */
  lockSequences?: Uint8Array;
  /** §3.3.1.10 Open.IsResilient: FSCTL_LMR_REQ_RESILIENCY asked for it (ioctl). */
  resilient?: boolean;
  dir: DirEnum | null;
  position: bigint;
  mode: number;
  retained: boolean;
  /** Blocking LOCK requests waiting on this open; CLOSE aborts them. */
  lockWaiters: Set<AbortController>;
  /** Data was written through this open (CLOSE then makes it durable). */
  written: boolean;
  /** The connection the open was made on (oplock breaks go out on it). */
  conn: SmbConnectionPort;
  /** The oplock or lease this open holds, if any (oplocks.ts). */
  holder: CacheHolder | null;
  /** CHANGE_NOTIFY state once the client asked for notifications on this directory open. */
  notify: NotifyState | null;
  /** Set when the open is durable (§3.3.1.10 Open.IsDurable, durable.ts). */
  durable: DurableState | null;
  /** Its entry in SmbServerState.replayCache (a DH2Q open, create-replay.ts). */
  replayKey?: string;
  /** Its part in the delayed LastWriteTime update and its user-set times, once it wrote or set one (write-time.ts). */
  writeTime?: WriteTimeState;
  /** §3.3.1.10 Open.ChannelSequence and outstanding requests (3.x, channel-sequence.ts). */
  channelSequence?: ChannelSequence;
  /** §3.3.1.10 Open.AppInstanceId (SMB2_CREATE_APP_INSTANCE_ID at CREATE, app-instance.ts). */
  appInstanceId?: Buffer;
}

/** A DH2Q CREATE by ClientGuid + CreateGuid (create-replay.ts): pending until its open exists. */
export interface ReplayEntry {
  open: Open | null;
  /** The CREATE response, answered again to a replay. */
  response: CreateResponse | null;
}

/** True while a durable open waits for its client to come back (durable.ts). */
export function isDisconnected(open: Open): boolean {
  return open.durable?.scavenger != null;
}

/** Per-file state shared by every open of it across connections (§3.3.1.10 Open.File). */
export interface FileState {
  opens: Set<Open>;
  deletePending: boolean;
  /** Oplocks and leases on the file (§3.3.1.4); the file is in `cachedFiles` while non-empty. */
  holders: Set<CacheHolder>;
  /** Metadata handle (hex) of the file, the key of `SmbServerState.cachedFiles`. */
  handleKey: string;
  /** The LastWriteTime SMB replies report while a write-time update is pending (write-time.ts). */
  writeTime: Timespec | null;
  /**
   * An AllocationSize a CREATE or SET_INFO asked for (bytes, whole allocation units): reported
   * while the file is open when above the size-based one, as Windows keeps an allocation until
   * the last handle closes ([MS-FSCC] §2.4.4; the payload reserves nothing, storage is thin).
   */
  allocation: bigint;
}

/**
 * Durable opens and CREATE replay entries server-wide; past them an open is made without.
 * Shared fairly by client address (domain/fair-map.ts): one host gets at most half, so a client
 * opening durably in a loop cannot use up every other client's durability.
 */
export const MAX_DURABLE_OPENS = 16384;
export const MAX_REPLAY_ENTRIES = 16384;

export class SmbServerState {
  private nextSession = 1n;
  private nextOpen = 1n;
  private nextTree = 1;
  /**
   * Durable opens, connected or not, by persistent FileId (§3.3.1.1 GlobalOpenTable for the
   * durable ones): DHnC/DH2C look here, and a disconnected one waits here for its scavenger.
   */
  readonly durableOpens = new FairMap<bigint, Open>(MAX_DURABLE_OPENS);
  /** DH2Q opens by ClientGuid + CreateGuid (hex), for CREATE replays (§3.3.5.9.10). */
  readonly replayCache = new FairMap<string, ReplayEntry>(MAX_REPLAY_ENTRIES);
  readonly files = new Map<string, FileState>();
  /** Leases by ClientGuid + LeaseKey (hex), server-wide (§3.3.1.4 LeaseTable). */
  readonly leases = new Map<string, CacheHolder>();
  /** Files with at least one oplock or lease, by handle: what the file service's change gate checks. */
  readonly cachedFiles = new Map<string, FileState>();
  /** Names (share NUL name) being created by an open with a ParentLeaseKey: that lease's id (dir-leases.ts). */
  readonly parentExemptions = new Map<string, string>();
  /** Directory opens with CHANGE_NOTIFY state, by directory handle (hex). */
  readonly watchers = new Map<string, Set<Open>>();
  /** Of those, the subtree watches (SMB2_WATCH_TREE). */
  readonly treeWatchers = new Set<Open>();
  /** Watched directories' fileid -> name, listed once for MODIFIED events (notify-modified.ts). */
  readonly watchIndex = new Map<string, Promise<Map<bigint, string> | null>>();
  /** Removes the file service's modified listener, registered while any directory is watched. */
  stopModified: (() => void) | null = null;
  /**
   * Signing keys of sessions a failed re-authentication ended (oldest first, MAX_ENDED_SESSIONS):
   * the client still signs with them, and Samba's client drops a connection whose signed request
   * gets an unsigned USER_SESSION_DELETED (request-checks.ts unboundSession).
   */
  readonly endedSessions = new Map<bigint, SigningKey[]>();
  /** Live connections (their sessions are §3.3.1.1 GlobalSessionTable; PreviousSessionId looks there). */
  readonly connections = new Set<SmbConnectionPort>();
  constructor(
    readonly ctx: AdapterContext,
    readonly config: SmbConfig,
  ) {}

  newSessionId(): bigint {
    return this.nextSession++;
  }

  /** A FileId unique server-wide, so a durable open keeps its FileId on another connection. */
  newOpenId(): bigint {
    return this.nextOpen++;
  }

  /** A TreeId unique server-wide (32 bits, 0 never), so a bound session's trees never collide. */
  newTreeId(): number {
    const id = this.nextTree;
    this.nextTree = id >= 0xfffffffe ? 1 : id + 1;
    return id;
  }

  /** Remembers the keys (its channels') of a session a failed re-authentication ends (bounded, oldest dropped). */
  sessionEnded(session: Session): void {
    const keys = [...session.channels.values()].flatMap((c) => (c.signingKey ? [c.signingKey] : []));
    if (keys.length === 0) return;
    if (this.endedSessions.size >= MAX_ENDED_SESSIONS) {
      this.endedSessions.delete(this.endedSessions.keys().next().value!);
    }
    this.endedSessions.set(session.id, keys);
  }

  /** A session of any connection by its id, with the connection holding it. */
  findSession(id: bigint): { session: Session; conn: SmbConnectionPort } | null {
    for (const conn of this.connections) {
      const session = conn.sessions.get(id);
      if (session) return { session, conn };
    }
    return null;
  }

  file(key: string, handle?: Buffer): FileState {
    let f = this.files.get(key);
    if (!f) {
      f = {
        opens: new Set(),
        deletePending: false,
        holders: new Set(),
        handleKey: handle?.toString("hex") ?? "",
        writeTime: null,
        allocation: 0n,
      };
      this.files.set(key, f);
    }
    return f;
  }
}

/**
 * What commands, requests and opens use of their connection: the connection's negotiated state,
 * its sessions and opens, and the few calls they make on it. SmbConnection (connection.ts)
 * implements it; depending on this type instead of the class keeps connection.ts and pipeline.ts,
 * which imports the command table, out of the commands' imports (docs/architecture.md "Layers": no cycles).
 */
export interface SmbConnectionPort {
  readonly server: SmbServerState;
  dialect: number;
  negotiated: boolean;
  clientGuid: Buffer;
  clientCapabilities: number;
  clientSecurityMode: number;
  clientDialects: number[];
  cipher: number;
  signingAlgorithm: number;
  preauthHash: Buffer | null;
  readonly sessions: Map<bigint, Session>;
  /**
   * Sessions with a bind in progress on this connection (session-bind.ts): they count against
   * MAX_SESSIONS_PER_CONNECTION with `sessions`, and teardown drops their half-made channels.
   */
  readonly binds: Set<Session>;
  readonly opens: Map<bigint, Open>;
  readonly clientId: string;
  readonly localAddress: string;
  readonly remoteAddress: string;
  readonly isClosed: boolean;
  newVolatileId(): bigint;
  newTreeId(): number;
  /** Closes a session's opens (of one tree); durable ones are only disconnected with `keepDurable`. */
  closeSessionOpens(session: Session, tree?: number, keepDurable?: boolean): Promise<void>;
  sendBreakNotification(body: Buffer, seal: Sealer | null): void;
  /** Sends the interim STATUS_PENDING reply; null when the connection has too many async requests. */
  goAsync(req: { readonly header: Smb2Header }): AbortSignal | null;
  close(): void;
}

/** An oplock or lease ([MS-SMB2] §3.3.1.4): the caching state oplocks.ts grants and breaks. */
export interface CacheHolder {
  file: FileState;
  /** Null for an oplock (then `opens` has exactly one open). */
  lease: Lease | null;
  /** R/H/W bits currently held. */
  state: number;
  opens: Set<Open>;
  /** A break sent and not yet acknowledged (§3.3.1.4 Lease.Breaking, Open.OplockState Breaking). */
  breaking: Breaking | null;
}

export interface Lease {
  /** ClientGuid + LeaseKey, hex: the LeaseTable key. */
  id: string;
  key: Buffer;
  version: 1 | 2;
  /** §3.3.1.4 Lease.Epoch (V2 only on the wire). */
  epoch: number;
  parentKey: Buffer | null;
}

/** A break sent and not yet acknowledged (oplocks.ts). */
export interface Breaking {
  /** The state the notification named: an acknowledgment may keep no more. */
  to: number;
  /**
   * What the opens and changes waiting on the break need (at most `to`): lowered by contention
   * while the break is out; an acknowledgment above it starts the next break (oplocks.ts).
   */
  required: number;
  done: Promise<void>;
  finish: () => void;
  timer: NodeJS.Timeout;
}
