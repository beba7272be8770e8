/**
 * SMB2 CREATE ([MS-SMB2] §2.2.13, §2.2.14, §3.3.5.9; [MS-FSA] §2.1.5.1): open or create a file
 * or directory by path, applying CreateDisposition, CreateOptions, access and share modes.
 */
import { isFsError } from "../../../domain/errors.ts";
import type { FileAttr, LookupResult } from "../../../metadata/types.ts";
import { ACCESS_MODIFY, ACCESS_READ } from "../../../metadata/types.ts";
import { allocationSize, dosAttributes, endOfFile, writeTimes } from "../attrs.ts";
import * as C from "../constants.ts";
import { type CreateContext, encodeCreateContexts, parseCreateContexts } from "../create-contexts.ts";
import * as S from "../ntstatus.ts";
import { mapGenericAccess, smbReservation, WRITE_ACCESS_BITS } from "../opens.ts";
import {
  breakForOpen,
  type CachingRequest,
  cachingRequest,
  checkLeaseKey,
  grantCaching,
} from "../oplock-grant.ts";
import { parsePath, resolvePath } from "../paths.ts";
import type { CommandSpec, Reply, SmbRequest } from "../request.ts";
import {
  type FileState,
  MAX_OPENS_PER_CONNECTION,
  MAX_PATH_BYTES,
  type Open,
  type Tree,
  treeCall,
} from "../state.ts";
import { SmbError, withStatus } from "../status.ts";
import { SmbWriter, slice } from "../wire.ts";

export interface CreateRequest {
  RequestedOplockLevel: number;
  ImpersonationLevel: number;
  DesiredAccess: number;
  FileAttributes: number;
  ShareAccess: number;
  CreateDisposition: number;
  CreateOptions: number;
  name: string;
  contexts: CreateContext[];
}

export function decodeCreate(msg: Buffer, r: ReturnType<SmbRequest["reader"]>): CreateRequest {
  r.u8(); // SecurityFlags
  const RequestedOplockLevel = r.u8();
  const ImpersonationLevel = r.u32();
  r.skip(16); // SmbCreateFlags, Reserved
  const DesiredAccess = r.u32();
  const FileAttributes = r.u32();
  const ShareAccess = r.u32();
  const CreateDisposition = r.u32();
  const CreateOptions = r.u32();
  const nameOff = r.u16();
  const nameLen = r.u16();
  const ctxOff = r.u32();
  const ctxLen = r.u32();
  if (nameLen % 2 !== 0) throw new SmbError(S.STATUS_OBJECT_NAME_INVALID);
  const name = slice(msg, nameOff, nameLen, MAX_PATH_BYTES).toString("utf16le");
  const contexts = parseCreateContexts(msg, ctxOff, ctxLen);
  return {
    RequestedOplockLevel,
    ImpersonationLevel,
    DesiredAccess,
    FileAttributes,
    ShareAccess,
    CreateDisposition,
    CreateOptions,
    name,
    contexts,
  };
}

function validate(c: CreateRequest): void {
  if (c.CreateDisposition > C.FILE_OVERWRITE_IF)
    throw new SmbError(S.STATUS_INVALID_PARAMETER, "disposition");
  if (c.ImpersonationLevel > 3) throw new SmbError(0xc00000a5, "impersonation"); // BAD_IMPERSONATION_LEVEL
  if (c.CreateOptions & C.FILE_DIRECTORY_FILE && c.CreateOptions & C.FILE_NON_DIRECTORY_FILE) {
    throw new SmbError(S.STATUS_INVALID_PARAMETER, "dir and non-dir");
  }
  if (c.ShareAccess & ~7 || c.FileAttributes & ~0x7fff)
    throw new SmbError(S.STATUS_INVALID_PARAMETER, "bits");
  if (c.DesiredAccess & C.ACCESS_SYSTEM_SECURITY) throw new SmbError(S.STATUS_PRIVILEGE_NOT_HELD);
  if (c.DesiredAccess === 0) throw new SmbError(S.STATUS_ACCESS_DENIED, "no access requested");
}

/** Maximal access the caller has on an object (for MAXIMUM_ALLOWED and MxAc). */
async function maximalAccess(req: SmbRequest, tree: Tree, target: LookupResult): Promise<number> {
  const md = req.server.ctx.metadata;
  const granted = await md.access(tree.caller, target.handle, ACCESS_READ | ACCESS_MODIFY);
  let m = C.FILE_READ_ATTRIBUTES | C.READ_CONTROL | C.SYNCHRONIZE | C.FILE_EXECUTE;
  if (granted & ACCESS_READ) m |= C.FILE_READ_DATA | C.FILE_READ_EA;
  if (tree.writable) {
    m |= C.FILE_WRITE_ATTRIBUTES | C.DELETE | C.WRITE_DAC | C.WRITE_OWNER | C.FILE_WRITE_EA;
    if (granted & ACCESS_MODIFY) m |= C.FILE_WRITE_DATA | C.FILE_APPEND_DATA | C.FILE_DELETE_CHILD;
  }
  return m;
}

async function checkAccess(req: SmbRequest, tree: Tree, target: LookupResult, access: number): Promise<void> {
  const md = req.server.ctx.metadata;
  let mask = 0;
  if (access & (C.FILE_READ_DATA | C.FILE_READ_EA)) mask |= ACCESS_READ;
  if (access & (C.FILE_WRITE_DATA | C.FILE_APPEND_DATA) && target.attr.type !== "dir") mask |= ACCESS_MODIFY;
  if (mask === 0) return;
  const granted = await md.access(tree.caller, target.handle, mask);
  if ((granted & mask) !== mask) throw new SmbError(S.STATUS_ACCESS_DENIED);
}

interface Outcome {
  target: LookupResult;
  action: number;
  parent: Buffer | null;
  name: string;
}

async function createNew(
  req: SmbRequest,
  tree: Tree,
  c: CreateRequest,
  parent: Buffer,
  name: string,
): Promise<Outcome> {
  if (!tree.writable) throw new SmbError(tree.readOnlyStatus);
  const md = req.server.ctx.metadata;
  const dos = c.FileAttributes & C.SETTABLE_DOS_ATTRIBUTES;
  const attrs = dos ? { dosAttributes: dos } : {};
  const r = await withStatus({ EEXIST: S.STATUS_OBJECT_NAME_COLLISION }, () =>
    c.CreateOptions & C.FILE_DIRECTORY_FILE
      ? md.mkdir(tree.caller, parent, name, { mode: 0o755, ...attrs })
      : md.create(tree.caller, parent, name, { mode: 0o644, ...attrs }, { mode: "guarded" }),
  );
  return { target: { handle: r.handle, attr: r.attr }, action: C.FILE_CREATED, parent, name };
}

async function openExisting(tree: Tree, c: CreateRequest, target: LookupResult): Promise<number> {
  const isDir = target.attr.type === "dir";
  if (c.CreateDisposition === C.FILE_CREATE) throw new SmbError(S.STATUS_OBJECT_NAME_COLLISION);
  if (c.CreateOptions & C.FILE_DIRECTORY_FILE && !isDir) throw new SmbError(S.STATUS_NOT_A_DIRECTORY);
  if (c.CreateOptions & C.FILE_NON_DIRECTORY_FILE && isDir) throw new SmbError(S.STATUS_FILE_IS_A_DIRECTORY);
  const overwrite = [C.FILE_SUPERSEDE, C.FILE_OVERWRITE, C.FILE_OVERWRITE_IF].includes(c.CreateDisposition);
  if (!overwrite) return C.FILE_OPENED;
  if (isDir) throw new SmbError(S.STATUS_INVALID_PARAMETER, "overwrite a directory");
  if (!tree.writable) throw new SmbError(tree.readOnlyStatus);
  return c.CreateDisposition === C.FILE_SUPERSEDE ? C.FILE_SUPERSEDED : C.FILE_OVERWRITTEN;
}

async function truncateForOverwrite(
  req: SmbRequest,
  tree: Tree,
  c: CreateRequest,
  target: LookupResult,
): Promise<FileAttr> {
  const dos = c.FileAttributes & C.SETTABLE_DOS_ATTRIBUTES;
  const f = { caller: tree.caller, handle: target.handle, share: tree.share };
  const r = await req.server.ctx.files.setattr(f, {
    attrs: { size: 0, ...(dos ? { dosAttributes: dos } : {}) },
  });
  return r.after;
}

/** SMB2_CREATE_ALLOCATION_SIZE ("AlSi", §2.2.13.2.4): reported, not reserved (storage is thin). */
function requestedAllocation(c: CreateRequest): bigint {
  const ctx = c.contexts.find((x) => x.name === "AlSi");
  return ctx && ctx.data.length >= 8 ? ctx.data.readBigUInt64LE(0) : 0n;
}

function createResponse(
  open: Open,
  oplockLevel: number,
  attr: FileAttr,
  action: number,
  contexts: CreateContext[],
  alloc: bigint,
): Buffer {
  const w = new SmbWriter(256);
  w.u16(89).u8(oplockLevel).u8(0).u32(action);
  const allocated = allocationSize(attr);
  writeTimes(w, attr)
    .u64(alloc > allocated && attr.type !== "dir" ? alloc : allocated)
    .u64(endOfFile(attr))
    .u32(dosAttributes(attr))
    .u32(0)
    .u64(open.persistentId)
    .u64(open.volatileId);
  const ctx = encodeCreateContexts(contexts);
  w.u32(ctx.length ? 64 + 88 : 0)
    .u32(ctx.length)
    .bytes(ctx);
  return w.finish();
}

function responseContexts(c: CreateRequest, attr: FileAttr, maxAccess: number): CreateContext[] {
  const out: CreateContext[] = [];
  if (c.contexts.some((x) => x.name === "MxAc")) {
    out.push({ name: "MxAc", data: new SmbWriter().u32(0).u32(maxAccess).finish() });
  }
  if (c.contexts.some((x) => x.name === "QFid")) {
    out.push({ name: "QFid", data: new SmbWriter().u64(attr.fileid).u64(attr.fsid).zeros(16).finish() });
  }
  return out;
}

async function openOrCreate(
  req: SmbRequest,
  tree: Tree,
  c: CreateRequest,
  components: string[],
): Promise<Outcome> {
  const resolved = await resolvePath(req.server.ctx.metadata, tree.caller, tree.root, components);
  if (resolved.target) {
    const action = await openExisting(tree, c, resolved.target);
    return { target: resolved.target, action, parent: resolved.parent, name: resolved.name };
  }
  if (c.CreateDisposition === C.FILE_OPEN || c.CreateDisposition === C.FILE_OVERWRITE) {
    throw new SmbError(S.STATUS_OBJECT_NAME_NOT_FOUND);
  }
  if (!resolved.parent) throw new SmbError(S.STATUS_OBJECT_NAME_INVALID);
  return createNew(req, tree, c, resolved.parent, resolved.name);
}

/**
 * Oplock/lease breaks the open causes (waiting for their acknowledgments), then the
 * delete-pending and share-mode checks against the opens that remain.
 */
async function admit(
  req: SmbRequest,
  fileKey: string,
  outcome: Outcome,
  intent: { access: number; share: number; owner: string },
  caching: CachingRequest,
): Promise<FileState> {
  const { access, share, owner } = intent;
  checkLeaseKey(req, caching, fileKey);
  if (outcome.action !== C.FILE_CREATED) {
    const overwrite = outcome.action === C.FILE_OVERWRITTEN || outcome.action === C.FILE_SUPERSEDED;
    await breakForOpen(req, fileKey, { access, share, overwrite, leaseId: caching.leaseId });
  }
  const file = req.server.file(fileKey, outcome.target.handle);
  if (!file.handleKey) file.handleKey = outcome.target.handle.toString("hex");
  if (file.deletePending) throw new SmbError(S.STATUS_DELETE_PENDING);
  // The file service's table holds every protocol's opens: NFSv4 OPEN deny modes count too.
  try {
    req.server.ctx.files.reserve(
      treeCall(req.requireTree(), outcome.target.handle),
      smbReservation(owner, access, share),
    );
  } catch (e) {
    if (file.opens.size === 0) req.server.files.delete(fileKey);
    if (isFsError(e, "EBUSY")) throw new SmbError(S.STATUS_SHARING_VIOLATION);
    throw e;
  }
  return file;
}

export async function create(req: SmbRequest): Promise<Reply> {
  const session = req.requireSession();
  const tree = req.requireTree();
  const c = decodeCreate(req.msg, req.reader());
  if (tree.ipc) throw new SmbError(S.STATUS_OBJECT_NAME_NOT_FOUND, "no named pipes");
  validate(c);
  const caching = cachingRequest(req, c.RequestedOplockLevel, c.contexts);
  const path = parsePath(c.name);
  if (path.stream) throw new SmbError(S.STATUS_OBJECT_NAME_NOT_FOUND, "named streams");
  if (req.conn.opens.size >= MAX_OPENS_PER_CONNECTION) throw new SmbError(S.STATUS_TOO_MANY_OPENED_FILES);
  let access = mapGenericAccess(c.DesiredAccess);
  const maxAllowed = (c.DesiredAccess & C.MAXIMUM_ALLOWED) !== 0;
  if (!tree.writable && !maxAllowed && access & WRITE_ACCESS_BITS) throw new SmbError(tree.readOnlyStatus);
  const deleteOnClose = (c.CreateOptions & C.FILE_DELETE_ON_CLOSE) !== 0;
  // [MS-FSA] §2.1.5.1: delete-on-close without DELETE access fails before anything is created.
  if (deleteOnClose && !maxAllowed && !(access & C.DELETE))
    throw new SmbError(S.STATUS_ACCESS_DENIED, "delete-on-close without DELETE");
  const md = req.server.ctx.metadata;
  const outcome = await openOrCreate(req, tree, c, path.components);
  const { target } = outcome;
  const maxAccess = await maximalAccess(req, tree, target);
  if (maxAllowed) access = (access & ~C.MAXIMUM_ALLOWED) | maxAccess;
  if (outcome.action !== C.FILE_CREATED) await checkAccess(req, tree, target, access);
  if (deleteOnClose) {
    if (!(access & C.DELETE)) throw new SmbError(S.STATUS_ACCESS_DENIED, "delete-on-close without DELETE");
    if (target.attr.dosAttributes & C.FILE_ATTRIBUTE_READONLY) throw new SmbError(S.STATUS_CANNOT_DELETE);
  }
  const fileKey = `${tree.share.name}:${target.attr.fileid}`;
  const id = req.conn.newVolatileId();
  // Trailing ':' so the owner is never a prefix of another (releaseOwner matches by prefix:
  // closing open 1 must not release the locks of open 10).
  const owner = `smb:${req.conn.clientId}:${id}:`;
  const file = await admit(req, fileKey, outcome, { access, share: c.ShareAccess, owner }, caching);
  let attr = target.attr;
  try {
    if (outcome.action === C.FILE_OVERWRITTEN || outcome.action === C.FILE_SUPERSEDED) {
      attr = await truncateForOverwrite(req, tree, c, target);
    }
    // The client went away while this CREATE awaited: teardown already closed its opens, so one
    // registered now would hold its share mode and handle forever.
    if (req.conn.isClosed) throw new SmbError(S.STATUS_USER_SESSION_DELETED, "connection closed");
  } catch (e) {
    req.server.ctx.files.unreserve(treeCall(tree, target.handle), owner);
    if (file.opens.size === 0) req.server.files.delete(fileKey);
    throw e;
  }
  const open: Open = {
    persistentId: id,
    volatileId: id,
    session,
    tree,
    handle: target.handle,
    parent: outcome.parent,
    name: outcome.name,
    path: path.components.join("\\"),
    isDir: attr.type === "dir",
    fileid: attr.fileid,
    fileKey,
    grantedAccess: access,
    shareAccess: c.ShareAccess,
    deleteOnClose,
    lockOwner: owner,
    locks: [],
    dir: null,
    position: 0n,
    mode: c.CreateOptions & (C.FILE_WRITE_THROUGH | 0x30),
    retained: true,
    lockWaiters: new Set(),
    written: false,
    conn: req.conn,
    holder: null,
    notify: null,
  };
  md.retain(target.handle);
  file.opens.add(open);
  req.conn.opens.set(id, open);
  req.compound.fileId = { persistent: id, volatile: id };
  const alloc = outcome.action === C.FILE_OPENED ? 0n : requestedAllocation(c);
  const grant = grantCaching(req, file, open, caching);
  const contexts = responseContexts(c, attr, maxAccess);
  if (grant.context) contexts.push(grant.context);
  return { body: createResponse(open, grant.level, attr, outcome.action, contexts, alloc) };
}

export const CREATE: CommandSpec = {
  name: "CREATE",
  structureSize: 57,
  needsSession: true,
  needsTree: true,
  handle: create,
};
