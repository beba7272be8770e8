/**
 * What a command handler sees: the decoded header, the raw message (offsets in SMB2 bodies are
 * relative to the header start), the resolved session/tree, and helpers for FileIds, async
 * replies and compound state. `CommandSpec` is one row of the dispatch table.
 */

import type { SigningKey } from "./auth/signing.ts";
import { type CountedRequest, checkChannelSequence } from "./channel-sequence.ts";
import { findSessionOpen } from "./channels.ts";
import { SMB2_CREATE, SMB2_HEADER_SIZE, SMB2_RELATED_FILE_ID } from "./constants.ts";
import type { Smb2Header } from "./header.ts";
import type { FrameSlot } from "./intake.ts";
import { STATUS_FILE_CLOSED, STATUS_INTERNAL_ERROR, STATUS_INVALID_PARAMETER } from "./ntstatus.ts";
import type { OutMessage } from "./reply-writer.ts";
import type { Open, Session, SmbConnectionPort, SmbServerState, Tree } from "./state.ts";
import { SmbError } from "./status.ts";
import { SmbReader } from "./wire.ts";

export interface Reply {
  /** Defaults to STATUS_SUCCESS; non-error statuses and MORE_PROCESSING_REQUIRED keep the body. */
  status?: number;
  /** The response body after the header (fixed part and dynamic buffer). */
  body: Buffer;
  /** Bulk data appended after `body` without copying (READ: views of cached blocks, in order). */
  data?: Buffer | readonly Buffer[];
  /**
   * Receive-pool memory `data` points into (a held READ, files/types.ts ReadRequest.hold): let go
   * once the write carrying the reply completed, or when the reply is dropped (reply-writer.ts).
   */
  held?: readonly Buffer[];
  /** Sign with this key regardless of the request (final SESSION_SETUP, §3.3.5.5.3). */
  signWith?: SigningKey;
  /** Session id to put in the response header (new sessions). */
  sessionId?: bigint;
  treeId?: number;
  /** Sees the exact response bytes (preauth integrity hashing, §3.3.5.4 / §3.3.5.5). */
  onBuilt?: (message: Buffer) => void;
}

/**
 * State carried between the commands of one compound chain (§3.3.5.2.7). A related command takes
 * the SessionId and TreeId the previous command resolved (0 when it failed to, so the related
 * command fails INVALID_PARAMETER, §3.3.5.2.7.2) and the FileId it last used or created.
 */
export interface CompoundState {
  sessionId: bigint;
  treeId: number;
  /** Set by CREATE and by every FileId lookup; cleared by each unrelated command (as Samba). */
  fileId: FileIdRef | null;
  /** Status of a failed CREATE in the chain; every later related command fails with it. */
  createStatus: number;
  /** Replies built so far; the last command going async sends them ahead of its interim reply. */
  readonly out: OutMessage[];
}

export function newCompound(): CompoundState {
  return { sessionId: 0n, treeId: 0, fileId: null, createStatus: 0, out: [] };
}

export interface FileIdRef {
  persistent: bigint;
  volatile: bigint;
}

/**
 * A request using an open shows its CREATE response arrived: a replay of that CREATE is a new
 * CREATE from then on (Samba purges its replay cache so; smbtorture smb2.replay.replay6).
 */
function forgetReplay(server: SmbServerState, open: Open): void {
  if (server.replayCache.get(open.replayKey!)?.open === open) server.replayCache.delete(open.replayKey!);
  open.replayKey = undefined;
}

export class SmbRequest {
  session: Session | null = null;
  tree: Tree | null = null;
  asyncId: bigint | null = null;
  /** The frame's in-flight slot, released when the request goes async. */
  frameSlot: FrameSlot | null = null;
  /** The session whose keys decrypted this request (§3.3.5.2.1.1); its replies are encrypted. */
  sealed: Session | null = null;
  /**
   * The key a signed reply uses: set before the request's own signature is checked, so a refusal
   * (bad or missing signature) is signed too, as Samba signs it (request-checks.ts).
   */
  signKey: SigningKey | null = null;
  /** The open this request is counted against until its reply (channel-sequence.ts). */
  counted: CountedRequest | null = null;
  /** Set when the reply is the session's first signed one etc. */
  constructor(
    readonly conn: SmbConnectionPort,
    readonly server: SmbServerState,
    readonly header: Smb2Header,
    /** This command's bytes from its header to its end (or NextCommand). */
    readonly msg: Buffer,
    readonly related: boolean,
    readonly compound: CompoundState,
    /** Alone or last in its compound: only such a command may go async (§3.3.5.2.7). */
    readonly canGoAsync: boolean,
  ) {}

  /** Reader positioned after StructureSize. */
  reader(): SmbReader {
    return new SmbReader(this.msg, SMB2_HEADER_SIZE + 2);
  }

  requireSession(): Session {
    if (!this.session) throw new SmbError(STATUS_INVALID_PARAMETER, "no session");
    return this.session;
  }

  /** The connection's dialect (channel-sequence.ts reads it). */
  get dialect(): number {
    return this.conn.dialect;
  }

  requireTree(): Tree {
    if (!this.tree) throw new SmbError(STATUS_INVALID_PARAMETER, "no tree");
    return this.tree;
  }

  /**
   * Resolves a FileId to an open of this tree; in a related command the all-ones FileId stands
   * for the compound's last one (§3.3.5.2.7.2), in an unrelated one it names no open.
   */
  open(id: FileIdRef): Open {
    let ref: FileIdRef | null = id;
    if (this.related && id.persistent === SMB2_RELATED_FILE_ID && id.volatile === SMB2_RELATED_FILE_ID) {
      ref = this.compound.fileId;
    }
    // A bound session's opens are usable on each of its channels (§3.3.5.5.2).
    const open = ref && this.session ? findSessionOpen(this.session, this.conn, ref.volatile) : undefined;
    if (!ref || !open || open.persistentId !== ref.persistent || open.session !== this.session) {
      throw new SmbError(STATUS_FILE_CLOSED);
    }
    if (this.tree && open.tree !== this.tree) throw new SmbError(STATUS_FILE_CLOSED);
    checkChannelSequence(this, open);
    if (open.replayKey !== undefined) forgetReplay(this.server, open);
    this.compound.fileId = { persistent: open.persistentId, volatile: open.volatileId };
    return open;
  }

  /**
   * Sends an interim STATUS_PENDING response and returns the signal that CANCEL aborts
   * (§3.3.4.2); null when too many requests are pending. Inside a compound only the last command
   * goes async; a CREATE before it waits in place (its oplock break), any other command fails
   * INTERNAL_ERROR as Windows answers (MS-SMB2 §3.3.5.2.7 product behavior <206>).
   */
  goAsync(): AbortSignal | null {
    if (this.canGoAsync) return this.conn.goAsync(this);
    if (this.header.Command === SMB2_CREATE) return null;
    throw new SmbError(STATUS_INTERNAL_ERROR, "async inside a compound");
  }
}

export function readFileId(r: SmbReader): FileIdRef {
  return { persistent: r.u64(), volatile: r.u64() };
}

export interface CommandSpec {
  name: string;
  /** §2.2.x StructureSize the request must carry. */
  structureSize: number;
  /** Other StructureSizes the command accepts (OPLOCK_BREAK: oplock 24, lease 36). */
  otherStructureSizes?: readonly number[];
  needsSession: boolean;
  needsTree: boolean;
  handle(req: SmbRequest): Promise<Reply>;
}
