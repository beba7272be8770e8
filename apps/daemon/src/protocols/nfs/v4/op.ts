/**
 * What one NFSv4 operation is (RFC 8881 §16.2): a spec per operation in `ops/` (decode its
 * arguments, run it on the COMPOUND's state, encode its result) and the per-COMPOUND state every
 * operation shares: the current and saved filehandles and stateids, the session, the caller.
 */
import type { Logger } from "pino";
import type { IdentityDirectory } from "../../../domain/identity.ts";
import type { ShareInfo } from "../../../domain/share.ts";
import { shareAccess } from "../../../domain/share-access.ts";
import type { ProtocolMetrics } from "../../../domain/stats.ts";
import type { FileService } from "../../../files/service.ts";
import type { FileCall } from "../../../files/types.ts";
import type { FileAttr, Timespec } from "../../../metadata/types.ts";
import type { CallContext } from "../rpc/program.ts";
import type { XdrReader } from "../xdr/reader.ts";
import type { XdrWriter } from "../xdr/writer.ts";
import { type AttrSource, needsFsstat } from "./attrs/encode.ts";
import { groupString, type OwnerMap, ownerString } from "./attrs/owner.ts";
import { NFS4ERR_NOFILEHANDLE, NFS4ERR_RESTOREFH, NFS4ERR_ROFS } from "./constants.ts";
import {
  buildPseudoTree,
  findNode,
  isPseudoHandle,
  type PseudoNode,
  pseudoAttr,
  shareMount,
} from "./pseudo.ts";
import type { Nfs4Locking } from "./state/locking.ts";
import type { SeqidUse } from "./state/owner-seqids.ts";
import type { Session } from "./state/sessions.ts";
import type { Nfs4State } from "./state/state.ts";
import { Nfs4Error } from "./status.ts";
import type { Bitmap4, Stateid4 } from "./types.ts";

export interface Nfs4Env {
  files: FileService;
  shares: { list(): ShareInfo[] };
  /** The handle of a share's root directory (the pseudo file system's leaves). */
  rootHandle(shareName: string): Buffer;
  identity: Pick<IdentityDirectory, "byUid" | "byName" | "permission">;
  logger: Logger;
  metrics?: ProtocolMetrics;
  /** RFC 8881 §18.32.3 writeverf: new at every adapter start (shared with NFSv3). */
  writeVerifier: Buffer;
  state: Nfs4State;
  /** Locks, share reservations, leases and the grace period (state/locking.ts). */
  locking: Nfs4Locking;
  /** Minor versions served (adapter settings v4MinMinorVersion / v4MaxMinorVersion). */
  minorMin: number;
  minorMax: number;
  owners: OwnerMap;
  /** Times of the pseudo file system's directories. */
  started: Timespec;
}

/** Writes an operation's result body after its status. */
export type Encoder = (w: XdrWriter) => void;

export interface Nfs4OpSpec<A> {
  op: number;
  /** RFC name, for logs and metrics ("READ", "SEQUENCE"). */
  name: string;
  /** The first minor version with the operation (0 when absent). */
  since?: number;
  /** The last minor version with it (v4.0-only operations: 0; RFC 8881 §18 "MUST NOT implement"). */
  until?: number;
  /** Throws XdrError on malformed arguments (→ NFS4ERR_BADXDR). */
  decode(r: XdrReader): A;
  /** Resolves the result body's encoder (null: a status alone); throws FsError / Nfs4Error. */
  run(c: Compound, args: A): Promise<Encoder | null>;
  /**
   * v4.0 operations that carry an owner's seqid (RFC 7530 §9.1.7): which sequence the request
   * advances. COMPOUND answers a retransmission from the owner's kept result and refuses a
   * wrong seqid before `run` (compound.ts); may throw the status a missing stateid gets.
   */
  seqid?(c: Compound, args: A): SeqidUse;
}

// biome-ignore lint/suspicious/noExplicitAny: the operation table is heterogeneous by design
export type AnyOp = Nfs4OpSpec<any>;

export function defineOp<A>(spec: Nfs4OpSpec<A>): AnyOp {
  return spec;
}

/** Arguments of operations that take none. */
export const NO_ARGS = (): undefined => undefined;

/** nfs_resop4's resop and status words before each result body. */
export const RESULT_HEADER_BYTES = 8;

/** The state of one COMPOUND while its operations run (RFC 8881 §16.2.3). */
export class Compound {
  cfh: Buffer | null = null;
  sfh: Buffer | null = null;
  /** RFC 8881 §16.2.3.1.2: the stateid the last operation made, for "current stateid" arguments. */
  currentStateid: Stateid4 | null = null;
  savedStateid: Stateid4 | null = null;
  session: Session | null = null;
  slot = -1;
  /** The reply to send for a retried request (SEQUENCE found it in the slot). */
  replay: Buffer | null = null;
  /** SEQUENCE's sa_cachethis: the reply must fit ca_maxresponsesize_cached (RFC 8881 §2.10.6.4). */
  cacheThis = false;
  /** Bytes of the reply so far, RPC reply header included (compound.ts keeps it current). */
  replyBytes = 0;
  private tree: PseudoNode | null = null;

  constructor(
    readonly env: Nfs4Env,
    readonly call: CallContext,
    readonly minor: number,
    /** Operations in this COMPOUND (SEQUENCE checks it against the session's ca_maxoperations). */
    readonly opCount: number,
    /** The whole RPC call's size (SEQUENCE checks it against ca_maxrequestsize, §18.36.3). */
    readonly requestSize = 0,
  ) {}

  /**
   * The reply size this COMPOUND may reach (RFC 8881 §2.10.6.4): the session's
   * ca_maxresponsesize, and ca_maxresponsesize_cached when the client asked for it to be cached.
   * Unbounded outside a session (v4.0: the RPC record limit applies).
   */
  replyLimit(): number {
    const s = this.session;
    if (s === null) return Number.POSITIVE_INFINITY;
    const { maxResponseSize, maxResponseSizeCached } = s.fore;
    return this.cacheThis ? Math.min(maxResponseSize, maxResponseSizeCached) : maxResponseSize;
  }

  /**
   * Bytes left for the result body of the running operation (after its opnum and status): READ
   * and READDIR return no more than this, as RFC 8881 §18.22.3 / §18.23.3 let a server.
   */
  replyRoom(): number {
    return Math.max(0, this.replyLimit() - this.replyBytes - RESULT_HEADER_BYTES);
  }

  /** The current filehandle; NOFILEHANDLE when no operation set one. */
  fh(): Buffer {
    if (this.cfh === null) throw new Nfs4Error(NFS4ERR_NOFILEHANDLE);
    return this.cfh;
  }

  setFh(fh: Buffer): void {
    this.cfh = fh;
    this.currentStateid = null;
  }

  save(): void {
    this.sfh = this.fh();
    this.savedStateid = this.currentStateid;
  }

  restore(): void {
    if (this.sfh === null) throw new Nfs4Error(NFS4ERR_RESTOREFH);
    this.cfh = this.sfh;
    this.currentStateid = this.savedStateid;
  }

  isPseudo(fh: Buffer = this.fh()): boolean {
    return isPseudoHandle(fh);
  }

  /** The pseudo tree of the shares this caller may mount (built once per COMPOUND). */
  pseudoRoot(): PseudoNode {
    if (this.tree !== null) return this.tree;
    const { env, call } = this;
    const uid = call.auth?.uid ?? null;
    const visible = env.shares
      .list()
      .filter(
        (s) => s.protocols.nfs && shareAccess(s, call.remoteAddress, uid, env.identity).level !== "none",
      );
    this.tree = buildPseudoTree(visible);
    return this.tree;
  }

  pseudoNode(fh: Buffer = this.fh()): PseudoNode {
    return findNode(this.pseudoRoot(), fh);
  }

  /**
   * The current filehandle resolved in the file service with the share's access policy; the
   * pseudo file system is read-only (ROFS) and holds no files (`pseudoErr` otherwise).
   */
  file(mutates = false, fh: Buffer = this.fh(), pseudoErr = NFS4ERR_ROFS): FileCall {
    if (isPseudoHandle(fh)) throw new Nfs4Error(mutates ? NFS4ERR_ROFS : pseudoErr);
    return this.env.files.resolve(this.call.caller, fh, {
      protocol: "nfs",
      mutates,
      peer: { address: this.call.remoteAddress, uid: this.call.auth?.uid ?? null },
    });
  }

  /** Everything fattr4 needs for the object `fh` (pseudo directory or file) for `requested`. */
  async attrSource(fh: Buffer, requested: Bitmap4, known?: FileAttr): Promise<AttrSource> {
    const { env } = this;
    const base = { handle: fh, minor: this.minor, leaseSeconds: env.state.leaseSeconds };
    if (isPseudoHandle(fh)) {
      const attr = pseudoAttr(this.pseudoNode(fh), env.started);
      return { ...base, attr, owner: "0", group: "0" };
    }
    const f = this.file(false, fh);
    const attr = known ?? (await env.files.getattr(f));
    const src: AttrSource = {
      ...base,
      attr,
      owner: ownerString(env.owners, attr.uid),
      group: groupString(attr.gid),
    };
    if (needsFsstat(requested)) src.fsstat = await env.files.fsCounts(f);
    if (fh.equals(env.rootHandle(f.share.name))) {
      const m = shareMount(this.pseudoRoot(), f.share.name);
      if (m !== null) src.mountedOnFileid = m.fileid;
    }
    return src;
  }
}
