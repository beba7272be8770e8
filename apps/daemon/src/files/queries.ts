/**
 * The file service's questions (docs/architecture.md "Layers"): resolving a call's handle and
 * share, and every read-only request — attributes, lookups, ACCESS, READLINK, listings, READ,
 * named streams, EAs, security descriptors, lock tests. The hot paths among them (GETATTR, LOOKUP,
 * ACCESS, READ) answer with the metadata or payload answer's own promise, settled at once over
 * synchronous stores. FileService (service.ts) adds every request that changes something.
 */

import type { ShareInfo } from "../domain/share.ts";
import type { ShareAccess } from "../domain/share-access.ts";
import { checkHandle } from "../metadata/handle.ts";
import type { LockRange } from "../metadata/lock-types.ts";
import type { NamedAttr } from "../metadata/named-attr-types.ts";
import type { Caller, FileAttr, FsStat, LookupResult, ReaddirResult } from "../metadata/types.ts";
import { read, revalidate } from "./data.ts";
import { eas } from "./eas.ts";
import { inLockGrace, type LockDeps, locksOf, testLock } from "./locks.ts";
import type { SecurityDescriptor } from "./nt-acl/sd.ts";
import { lookupOne, type Walked, type WalkOptions, walk } from "./open.ts";
import { access, fsstat, type LookupWithDir, lookup, readlink } from "./query.ts";
import { type ReaddirPage, type ReaddirRequest, readdir } from "./readdir.ts";
import { type Grants, type ResolveOptions, resolveCall, sharePolicy } from "./resolve.ts";
import { type DeleteGrant, deleteGrant, security } from "./security.ts";
import { type StreamInfo, streamSize, streams } from "./streams.ts";
import type { FileCall, ReadRequest, ReadResult } from "./types.ts";

export class FileQueries {
  constructor(
    protected readonly d: LockDeps,
    private readonly identity: Grants,
  ) {}

  /** The fileid a handle names (no lookup: the handle carries it); EBADHANDLE if malformed. */
  fileidOf(handle: Buffer): bigint {
    return checkHandle(handle);
  }

  /**
   * The call context for `handle`: its share looked up once, share-level access checked (share
   * enabled for the protocol, read-only). ESTALE for an unknown share, EBADHANDLE for a
   * malformed handle. Per-call access control for every protocol runs here.
   */
  resolve(caller: Caller, handle: Buffer, opts: ResolveOptions = {}): FileCall {
    return resolveCall(this.d.metadata.shareOf(handle), this.identity, caller, handle, opts);
  }

  /** The handle of the share's root directory (NFSv4 pseudo file system); ENOENT for an unknown share. */
  rootHandle(shareName: string): Buffer {
    return this.d.metadata.rootHandle(shareName);
  }

  /**
   * The attributes of any handle, no call context or access policy involved, null when they cannot
   * be read: what an NFS failure reply carries about the handles it names (RFC 1813 §3.3
   * post_op_attr / wcc_data), where the call may have failed on the handle itself.
   */
  async attrOrNull(handle: Buffer): Promise<FileAttr | null> {
    try {
      return await this.d.metadata.getattr(handle);
    } catch {
      return null;
    }
  }

  /**
   * The root of the share `shareName` as a call context, through resolve's checks: MOUNT and
   * TREE_CONNECT. ENOENT for a share the metadata service does not serve.
   */
  connect(caller: Caller, shareName: string, opts: ResolveOptions): FileCall {
    return this.resolve(caller, this.d.metadata.rootHandle(shareName), opts);
  }

  /**
   * What the share's access policy gives the peer or user of `opts` (undefined: neither given,
   * decided elsewhere); MOUNT EXPORT lists the shares where it is more than "none".
   */
  policy(share: ShareInfo, opts: ResolveOptions): ShareAccess | undefined {
    return sharePolicy(share, this.identity, opts);
  }

  /**
   * The hot path: one metadata read (and a shared-mode share's cache check), nothing allocated
   * here (a stream open: the stream's sizes).
   */
  getattr(f: FileCall): Promise<FileAttr> {
    if (f.stream !== undefined) return streamSize(this.d, f);
    // The metadata read's own promise unless the share runs in shared mode (no frame, no hop).
    if (this.d.payload.validates?.(f.share.name) !== true) return this.d.metadata.getattr(f.handle);
    return this.d.metadata.getattr(f.handle).then(async (attr) => {
      const validating = revalidate(this.d, f.share.name, attr, "getattr");
      if (validating !== undefined) await validating;
      return attr;
    });
  }

  /** The extended attributes of the file `f`, in name order (files/eas.ts). */
  eas(f: FileCall): Promise<NamedAttr[]> {
    return eas(this.d, f);
  }

  /** The file's security descriptor: its stored ACL or the one its mode shows (files/security.ts). */
  security(f: FileCall): Promise<SecurityDescriptor> {
    return security(this.d, f);
  }

  /**
   * How DELETE stands for the caller on the file `f` (attributes `attr`) in directory `parent`
   * by stored ACLs (security.ts deleteGrant, [MS-FSA] §2.1.5.1.2.1): "acl", "mode" or "denied".
   * SMB asks it of an open that wants DELETE and of a file a rename or link would replace.
   */
  deleteGrant(f: FileCall, attr: FileAttr, parent: Buffer | null): Promise<DeleteGrant> {
    return deleteGrant(this.d, f, attr, parent);
  }

  /** The named streams of the file `f` with their sizes ([MS-FSCC] §2.4.43 FileStreamInformation). */
  streams(f: FileCall): Promise<StreamInfo[]> {
    return streams(this.d, f);
  }

  /** `name` in the directory `dir`, with the directory's attributes. */
  lookup(dir: FileCall, name: string): Promise<LookupWithDir> {
    return lookup(this.d, dir, name);
  }

  /**
   * `name` in the directory `dir`, nothing else read (SMB: QUERY_DIRECTORY of one exact name),
   * with its name as stored (another case with `caseless`). A directory's stored ACL does not stop
   * it, as it stops no path walk (traversal by privilege): listing the directory with `*` shows
   * the same entry.
   */
  async find(dir: FileCall, name: string, o: WalkOptions = {}): Promise<LookupResult & { name: string }> {
    const found = await lookupOne(this.d, dir, dir.handle, name, o);
    const validating = revalidate(this.d, dir.share.name, found.attr, "lookup");
    if (validating !== undefined) await validating;
    return found;
  }

  /** The subset of `mask` (ACCESS_* bits) mode bits and the share's access policy grant. */
  access(f: FileCall, mask: number): Promise<{ attr: FileAttr; granted: number }> {
    return access(this.d, f, mask);
  }

  readlink(f: FileCall): Promise<{ attr: FileAttr; target: string }> {
    return readlink(this.d, f);
  }

  /** Space and file counts of the share holding `f`, with the attributes of `f` (NFS FSSTAT). */
  fsstat(f: FileCall): Promise<{ attr: FileAttr; st: FsStat }> {
    return fsstat(this.d, f);
  }

  /** Space and file counts of the share holding `f` alone (SMB file-system information). */
  fsCounts(f: FileCall): Promise<FsStat> {
    return this.d.metadata.fsstat(f.handle);
  }

  /**
   * At most `max` of the directory's own entries after `cookie` (no "." or ".."): SMB
   * QUERY_DIRECTORY, which makes its dot entries from the open's directory and parent.
   */
  entries(dir: FileCall, cookie: bigint, verifier: Buffer | null, max: number): Promise<ReaddirResult> {
    return this.d.metadata.readdir(dir.caller, dir.handle, cookie, verifier, max);
  }

  /** A page of the directory `dir` with "." and ".." first, and the directory's attributes. */
  readdir(dir: FileCall, r: ReaddirRequest): Promise<ReaddirPage> {
    return readdir(this.d, dir, r);
  }

  read(f: FileCall, r: ReadRequest): Promise<ReadResult> {
    return read(this.d, f, r);
  }

  /**
   * Looks `path` up below the directory `dir`; a missing or non-directory component on the way is
   * PathNotFound, a missing last component a null target.
   */
  walk(dir: FileCall, path: readonly string[], o?: WalkOptions): Promise<Walked> {
    return walk(this.d, dir, path, o);
  }

  /** The first lock of another owner conflicting with `range`, or null. */
  testLock(f: FileCall, range: LockRange): LockRange | null {
    return testLock(this.d, f, range);
  }

  /** The locks `owner` holds on the file. */
  locksOf(f: FileCall, owner: string): LockRange[] {
    return locksOf(this.d, f, owner);
  }

  /** True while a grace period runs: only reclaims take locks. */
  inLockGrace(): boolean {
    return inLockGrace(this.d);
  }
}
