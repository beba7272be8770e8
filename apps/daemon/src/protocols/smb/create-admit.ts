/**
 * SMB2 CREATE's admission ([MS-SMB2] §3.3.5.9; [MS-FSA] §2.1.5.1): what commands/create.ts
 * settles while the file service holds the target — the access check against the mode bits'
 * grant, the oplock/lease breaks the open causes, delete pending and share modes — and how an
 * admission is undone when its open does not come about.
 */
import { isFsError } from "../../domain/errors.ts";
import type { Opened, OpenResult } from "../../files/open.ts";
import type { DeleteGrant } from "../../files/security.ts";
import type { LookupResult } from "../../metadata/types.ts";
import { ACCESS_MODIFY, ACCESS_READ } from "../../metadata/types.ts";
import { closeAppInstance } from "./app-instance.ts";
import { treeCall } from "./calls.ts";
import * as C from "./constants.ts";
import { onStream, streamFileKey } from "./create-stream.ts";
import { purgeDisconnected, RetryCreate } from "./durable.ts";
import * as S from "./ntstatus.ts";
import { smbReservation, WRITE_ACCESS_BITS } from "./opens.ts";
import { breakForOpen } from "./oplock-contend.ts";
import { type CachingRequest, checkLeaseKey } from "./oplock-grant.ts";
import type { SmbRequest } from "./request.ts";
import type { FileState, Tree } from "./state.ts";
import { SmbError } from "./status.ts";

/** What CREATE settles while the file service holds the target, before an overwrite changes it. */
export interface Admission {
  /** The granted access: DesiredAccess with generic and MAXIMUM_ALLOWED bits mapped. */
  access: number;
  maxAccess: number;
  fileKey: string;
  /** Owner of the open's share reservation and locks. */
  owner: string;
  /** Set once the share reservation is held. */
  file: FileState | null;
  /** The admitted target (for unadmit). */
  handle: Buffer | null;
  /** The named stream opened (its stored name once admitted), null for the file itself. */
  stream: string | null;
  /** SMB2_CREATE_APP_INSTANCE_ID's AppInstanceId, if the CREATE carried one (app-instance.ts). */
  appInstance: Buffer | null;
  /** A stored ACL granted DELETE (files/security.ts deleteGrant "acl"). */
  aclDelete: boolean;
}

/** Maximal access the caller has on an object (for MAXIMUM_ALLOWED and MxAc), from its mode-bit grant. */
function maximalAccess(tree: Tree, granted: number): number {
  let m = C.FILE_READ_ATTRIBUTES | C.READ_CONTROL | C.SYNCHRONIZE | C.FILE_EXECUTE;
  if (granted & ACCESS_READ) m |= C.FILE_READ_DATA | C.FILE_READ_EA;
  if (tree.writable) {
    m |= C.FILE_WRITE_ATTRIBUTES | C.DELETE | C.WRITE_DAC | C.WRITE_OWNER | C.FILE_WRITE_EA;
    if (granted & ACCESS_MODIFY) m |= C.FILE_WRITE_DATA | C.FILE_APPEND_DATA | C.FILE_DELETE_CHILD;
  }
  return m;
}

function checkAccess(target: LookupResult, access: number, granted: number): void {
  let mask = 0;
  if (access & (C.FILE_READ_DATA | C.FILE_READ_EA)) mask |= ACCESS_READ;
  if (access & (C.FILE_WRITE_DATA | C.FILE_APPEND_DATA) && target.attr.type !== "dir") mask |= ACCESS_MODIFY;
  if ((granted & mask) !== mask) throw new SmbError(S.STATUS_ACCESS_DENIED);
}

/**
 * Rights of a request not held against it: with MAXIMUM_ALLOWED, the FILE_EXECUTE that only
 * GENERIC_EXECUTE brings in (Windows opens MAXIMUM_ALLOWED|GENERIC_EXECUTE on a file whose DACL
 * grants reading but not FILE_EXECUTE, and refuses MAXIMUM_ALLOWED|FILE_EXECUTE: smb2.maximum_allowed).
 */
function tolerated(desired: number): number {
  const onlyGeneric = desired & C.GENERIC_EXECUTE && !(desired & C.FILE_EXECUTE);
  return desired & C.MAXIMUM_ALLOWED && onlyGeneric ? C.FILE_EXECUTE : 0;
}

/** Rights a read-only tree never grants, whatever a stored ACL says. */
const WRITE_RIGHTS =
  C.FILE_WRITE_DATA |
  C.FILE_APPEND_DATA |
  C.FILE_WRITE_EA |
  C.FILE_WRITE_ATTRIBUTES |
  C.FILE_DELETE_CHILD |
  C.DELETE |
  C.WRITE_DAC |
  C.WRITE_OWNER;

/**
 * The access mask against the stored ACL's maximal access (files/security.ts: the [MS-DTYP]
 * §2.5.3.2 check; every asked right must be in it) or, without one, the mode bits' grant, with
 * DELETE as `del` (files/security.ts deleteGrant, asked when DELETE may be granted) has it; then
 * the delete-on-close checks ([MS-FSA] §2.1.5.1).
 */
export function checkOpenAccess(
  tree: Tree,
  c: { DesiredAccess: number; CreateOptions: number },
  a: Admission,
  o: Opened,
  del: DeleteGrant | null,
): void {
  // A tree without write access refuses write rights once the name resolved, as Samba checks its
  // share access per file (smbd_check_access_rights_fname): a missing name answers
  // OBJECT_NAME_NOT_FOUND first (smb2.session.reauth5 unlinks one as anonymous).
  const maxAllowed = (c.DesiredAccess & C.MAXIMUM_ALLOWED) !== 0;
  if (!tree.writable && !maxAllowed && a.access & WRITE_ACCESS_BITS) throw new SmbError(tree.readOnlyStatus);
  const nt = o.ntAccess === null ? null : tree.writable ? o.ntAccess : o.ntAccess & ~WRITE_RIGHTS;
  a.maxAccess = nt ?? maximalAccess(tree, o.granted);
  // [MS-FSA] §2.1.5.1.2.1: neither the file's ACL nor its directory's grants DELETE.
  if (del === "denied") {
    if (o.action !== "created" && a.access & C.DELETE) throw new SmbError(S.STATUS_ACCESS_DENIED, "DELETE");
    a.maxAccess &= ~C.DELETE;
  }
  a.aclDelete = del === "acl" && (a.maxAccess & C.DELETE) !== 0;
  if (c.DesiredAccess & C.MAXIMUM_ALLOWED) a.access = (a.access & ~C.MAXIMUM_ALLOWED) | a.maxAccess;
  if (o.action !== "created") {
    if (nt === null) checkAccess(o.target, a.access, o.granted);
    else {
      const unheld = a.access & ~nt;
      if (unheld & ~tolerated(c.DesiredAccess)) throw new SmbError(S.STATUS_ACCESS_DENIED);
      a.access &= ~unheld;
      // [MS-FSA] §2.1.5.1.2: an overwrite or supersede writes the file, whatever the mask asks.
      const overwrites = o.action === "overwritten" || o.action === "superseded";
      if (overwrites && !(nt & C.FILE_WRITE_DATA)) throw new SmbError(S.STATUS_ACCESS_DENIED);
    }
  }
  if (c.CreateOptions & C.FILE_DELETE_ON_CLOSE) {
    if (!(a.access & C.DELETE)) throw new SmbError(S.STATUS_ACCESS_DENIED, "delete-on-close without DELETE");
    if (o.target.attr.dosAttributes & C.FILE_ATTRIBUTE_READONLY) throw new SmbError(S.STATUS_CANNOT_DELETE);
  }
}

/**
 * The delete-pending check, oplock/lease breaks the open causes (waiting for their
 * acknowledgments), then the share-mode checks against the opens that remain.
 */
export async function admit(
  req: SmbRequest,
  share: number,
  caching: CachingRequest,
  a: Admission,
  o: Opened,
  deleteOnClose = false,
) {
  const own = `${req.requireTree().share.name}:${o.target.attr.fileid}`;
  const fileKey = streamFileKey(own, a.stream);
  a.fileKey = fileKey;
  checkLeaseKey(req, caching, fileKey);
  if (o.action !== "created") {
    const overwrite = o.action === "overwritten" || o.action === "superseded";
    const intent = { access: a.access, share, overwrite, leaseId: caching.leaseId, deleteOnClose };
    const existing = req.server.files.get(fileKey);
    // §3.3.5.9.13: the application instance's older open goes before anything is weighed against it.
    if (existing && a.appInstance && (await closeAppInstance(req, existing, a.appInstance)))
      throw new RetryCreate();
    if (existing && (await purgeDisconnected(req.server, existing, intent))) throw new RetryCreate();
    // A delete-pending file refuses the open before any holder is asked to break (smb2.oplock.doc).
    if (existing?.deletePending) throw new SmbError(S.STATUS_DELETE_PENDING);
    await breakForOpen(req, fileKey, intent);
  }
  // A stream of a file whose delete is pending (its streams still open) is delete pending too.
  if (a.stream !== null && req.server.files.get(own)?.deletePending)
    throw new SmbError(S.STATUS_DELETE_PENDING);
  const file = req.server.file(fileKey, o.target.handle);
  if (!file.handleKey) file.handleKey = o.target.handle.toString("hex");
  if (file.deletePending) throw new SmbError(S.STATUS_DELETE_PENDING);
  // The file service's table holds every protocol's opens: NFSv4 OPEN deny modes count too.
  try {
    const tree = req.requireTree();
    const f = onStream(treeCall(tree, o.target.handle), a.stream);
    req.server.ctx.files.reserve(f, smbReservation(a.owner, a.access, share));
  } catch (e) {
    if (file.opens.size === 0) req.server.files.delete(fileKey);
    // EGRACE: a share mode denying reading or writing waits for the NFSv4 grace period's end
    // (files/locks.ts reserve); the client sees a sharing violation and may retry.
    if (isFsError(e, "EBUSY") || isFsError(e, "EGRACE")) throw new SmbError(S.STATUS_SHARING_VIOLATION);
    throw e;
  }
  a.file = file;
  a.handle = o.target.handle;
}

/** Undoes an admission whose open did not come about (overwrite failed, client gone). */
export function unadmit(req: SmbRequest, a: Admission): void {
  if (!a.file || !a.handle) return;
  req.server.ctx.files.unreserve(onStream(treeCall(req.requireTree(), a.handle), a.stream), a.owner);
  if (a.file.opens.size === 0) req.server.files.delete(a.fileKey);
}

/** Releases what an admitted open holds when it does not come about after all. */
export async function abandon(req: SmbRequest, a: Admission, opened: OpenResult): Promise<void> {
  unadmit(req, a);
  const f = treeCall(req.requireTree(), opened.target.handle);
  await req.server.ctx.files.close(f, { written: false, unlink: () => null, retained: true });
}
