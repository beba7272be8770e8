/**
 * SMB2 SET_INFO ([MS-SMB2] §2.2.39, §3.3.5.21; [MS-FSA] §2.1.5.14): basic, rename, link,
 * disposition, position, mode, allocation, end-of-file. A security descriptor's owner and group
 * (Unix SIDs S-1-22-1/2-<id>) and DACL (as a mode, info/security.ts) are applied with the POSIX
 * chown/chmod rules of SETATTR; file-system classes are refused.
 */
import type { LookupResult, SetAttrs } from "../../../metadata/types.ts";
import { allocationUnits, fromFiletime } from "../attrs.ts";
import { fileCall, grantedCall, treeCall } from "../calls.ts";
import * as C from "../constants.ts";
import { asParentLease } from "../dir-leases.ts";
import { decodeFullEaList } from "../info/ea.ts";
import { decodeSecurity, securityChange } from "../info/security.ts";
import * as S from "../ntstatus.ts";
import { breakHandleLeases } from "../oplock-contend.ts";
import { breakReadCaching } from "../oplocks.ts";
import { parsePath, resolvePath } from "../paths.ts";
import { renameStreamOpen } from "../rename-stream.ts";
import { type CommandSpec, type Reply, readFileId, type SmbRequest } from "../request.ts";
import type { Open, Tree } from "../state.ts";
import { SmbError, withStatus } from "../status.ts";
import { SmbReader, slice } from "../wire.ts";
import { flushUpdate, keepingChangeTime, setChangeSet, setUserSet } from "../write-time.ts";
import { MAX_FILE_BYTES } from "./write.ts";

export const MAX_SET_INFO_BYTES = 64 * 1024;
const NO_CHANGE = [0n, 0xffffffffffffffffn, 0xfffffffffffffffen];

function need(open: Open, bits: number): void {
  if (!(open.grantedAccess & bits)) throw new SmbError(S.STATUS_ACCESS_DENIED);
}

const FREEZE = 0xffffffffffffffffn;
const THAW = 0xfffffffffffffffen;

/**
 * [MS-FSA] §2.1.5.14.2 FileBasicInformation: 0 leaves a time as it is; -1 freezes it for this open
 * (Open.UserSet*: its later changes leave it), -2 thaws it; an explicit time freezes it too. Any
 * basic-information SET_INFO first applies a pending write-time update (write-time.ts).
 */
async function setBasic(req: SmbRequest, open: Open, r: SmbReader): Promise<void> {
  need(open, C.FILE_WRITE_ATTRIBUTES);
  const [btime, atime, mtime, ctime] = [r.u64(), r.u64(), r.u64(), r.u64()];
  const attributes = r.u32();
  await flushUpdate(req.server, open);
  const attrs: SetAttrs = {};
  if (!NO_CHANGE.includes(btime)) attrs.btime = fromFiletime(btime);
  if (!NO_CHANGE.includes(atime)) attrs.atime = fromFiletime(atime);
  if (!NO_CHANGE.includes(mtime)) attrs.mtime = fromFiletime(mtime);
  if (!NO_CHANGE.includes(ctime)) attrs.changeTime = fromFiletime(ctime);
  if (mtime !== 0n) setUserSet(req.server, open, mtime !== THAW, mtime !== FREEZE);
  if (ctime !== 0n) setChangeSet(open, ctime !== THAW);
  if (attributes !== 0) {
    // [MS-FSA] §2.1.5.14.2: DIRECTORY on a file and TEMPORARY on a directory are invalid.
    if (attributes & C.FILE_ATTRIBUTE_DIRECTORY && !open.isDir)
      throw new SmbError(S.STATUS_INVALID_PARAMETER);
    if (attributes & C.FILE_ATTRIBUTE_TEMPORARY && open.isDir)
      throw new SmbError(S.STATUS_INVALID_PARAMETER, "TEMPORARY on a directory");
    // The sparse flag is FSCTL_SET_SPARSE's alone: kept as it is, whatever the client sends.
    const kept =
      (await req.server.ctx.files.getattr(fileCall(open))).dosAttributes & C.FILE_ATTRIBUTE_SPARSE_FILE;
    attrs.dosAttributes = (attributes & C.SETTABLE_DOS_ATTRIBUTES) | kept;
  }
  if (Object.keys(attrs).length === 0) return;
  await req.server.ctx.files.setattr(grantedCall(open), { attrs: keepingChangeTime(open, attrs) });
}

/** FILE_RENAME_INFORMATION_TYPE_2 / FILE_LINK_INFORMATION_TYPE_2 ([MS-FSCC] §2.4.37, §2.4.21.2). */
function decodeRenameTarget(buf: Buffer): { replace: boolean; name: string } {
  const r = new SmbReader(buf);
  const replace = r.u8() !== 0;
  r.skip(7);
  r.u64(); // RootDirectory: must be 0 for SMB2
  const len = r.u32();
  return { replace, name: r.bytes(len).toString("utf16le") };
}

/**
 * The access bits that make an open take part in sharing checks: an open with none of them (an
 * attributes-only "stat" open) never conflicts ([MS-FSA] §2.1.5.1.2).
 */
const SHARING_ACCESS = C.FILE_READ_DATA | C.FILE_WRITE_DATA | C.FILE_APPEND_DATA | C.FILE_EXECUTE | C.DELETE;

/**
 * Windows refuses a rename while the source's parent directory is open by a handle with DELETE
 * access or without FILE_SHARE_DELETE (SHARING_VIOLATION), unless that handle is a stat open
 * (smbtorture smb2.rename.msword: Word opens the folder for attributes only), and a directory
 * rename while a file below it is open (ACCESS_DENIED), as smbtorture smb2.rename checks.
 */
async function checkRenameSharing(req: SmbRequest, open: Open): Promise<void> {
  const share = open.tree.share.name;
  const parentAttr = await req.server.ctx.files.getattr(treeCall(open.tree, open.parent!));
  for (const other of req.server.files.get(`${share}:${parentAttr.fileid}`)?.opens ?? []) {
    if (!(other.grantedAccess & SHARING_ACCESS)) continue;
    if (other.grantedAccess & C.DELETE || !(other.shareAccess & C.FILE_SHARE_DELETE)) {
      throw new SmbError(S.STATUS_SHARING_VIOLATION);
    }
  }
  if (!open.isDir) return;
  const prefix = `${open.path}\\`;
  for (const file of req.server.files.values()) {
    for (const o of file.opens) {
      if (o.tree.share.name === share && o.path.startsWith(prefix))
        throw new SmbError(S.STATUS_ACCESS_DENIED);
    }
  }
}

/**
 * The file a rename or link replaces goes as a delete would: where a stored ACL is involved, its
 * own DELETE or its directory's FILE_DELETE_CHILD must be granted ([MS-FSA] §2.1.5.1.2.1), as
 * Windows file systems check before replacing; without one the directory's mode decides (POSIX
 * rename). True when a stored ACL granted it (the replaced file's unlink passes the mode).
 */
async function mayReplace(req: SmbRequest, tree: Tree, victim: LookupResult, dir: Buffer): Promise<boolean> {
  const del = await req.server.ctx.files.deleteGrant(treeCall(tree, victim.handle), victim.attr, dir);
  if (del === "denied") throw new SmbError(S.STATUS_ACCESS_DENIED, "replaced file's ACL");
  return del === "acl";
}

async function setRename(req: SmbRequest, open: Open, buf: Buffer, link: boolean): Promise<void> {
  if (!link) need(open, C.DELETE);
  const { replace, name } = decodeRenameTarget(buf);
  if (open.stream !== null) {
    if (link) throw new SmbError(S.STATUS_INVALID_PARAMETER, "link to a stream");
    return renameStreamOpen(req, open, name, replace);
  }
  const path = parsePath(name);
  if (path.stream || path.components.length === 0)
    throw new SmbError(S.STATUS_INVALID_PARAMETER, "rename target");
  // Other clients' H leases are broken first, and the checks below see what their closes left.
  if (!link) await breakHandleLeases(req, open);
  if (!open.parent) throw new SmbError(S.STATUS_ACCESS_DENIED, "rename the root");
  const tree = open.tree;
  const target = await resolvePath(req.server.ctx.files, treeCall(tree, tree.root), path.components);
  const sameObject = target.target?.attr.fileid === open.fileid;
  let replaceAcl = false;
  if (target.target && !sameObject) {
    if (!replace) throw new SmbError(S.STATUS_OBJECT_NAME_COLLISION);
    if (target.target.attr.type === "dir") throw new SmbError(S.STATUS_ACCESS_DENIED);
    const busy = req.server.files.get(`${tree.share.name}:${target.target.attr.fileid}`);
    if (busy && busy.opens.size > 0) throw new SmbError(S.STATUS_ACCESS_DENIED);
    replaceAcl = await mayReplace(req, tree, target.target, target.parent!);
  }
  if (!link) await checkRenameSharing(req, open);
  const overrides = { EEXIST: S.STATUS_OBJECT_NAME_COLLISION, ENOTEMPTY: S.STATUS_ACCESS_DENIED };
  const files = req.server.ctx.files;
  if (link) {
    if (open.isDir) throw new SmbError(S.STATUS_FILE_IS_A_DIRECTORY);
    const replacing = target.target !== null && !sameObject;
    const l = { file: open.handle, name: target.name, replace: replacing, acl: true, replaceAcl };
    await withStatus(overrides, () => files.link(treeCall(tree, target.parent!), l));
    return;
  }
  // A case-only rename of the file itself takes the name as given; a file it replaces is named
  // as stored (resolvePath matched it case-insensitively), so no two names differ only in case.
  const newName = sameObject ? path.components.at(-1)! : target.name;
  // [MS-SMB2] §3.3.5.21.1: DELETE on the open (a stored ACL's grant stands for the source
  // directory's mode) and the target directory's stored ACL, if any, deciding the arrival.
  const acl = { deleteGranted: open.aclDelete && (open.grantedAccess & C.DELETE) !== 0, isDir: open.isDir };
  // The renamer's parent lease stays; other leases on both directories break (dir-leases.ts).
  await asParentLease(open, [open.name, newName], () =>
    withStatus(overrides, () =>
      files.rename(treeCall(tree, open.parent!), open.name, target.parent!, newName, acl),
    ),
  );
  // Every open of this file now names the new path.
  for (const o of req.server.files.get(open.fileKey)?.opens ?? [open]) {
    o.parent = target.parent;
    o.name = newName;
    o.path = [...target.stored.slice(0, -1), newName].join("\\");
  }
}

async function setDisposition(req: SmbRequest, open: Open, deletePending: boolean): Promise<void> {
  need(open, C.DELETE);
  const files = req.server.ctx.files;
  const file = req.server.file(open.fileKey);
  if (deletePending) {
    if (!open.parent) throw new SmbError(S.STATUS_CANNOT_DELETE, "share root");
    const attr = await files.getattr(fileCall(open));
    if (attr.dosAttributes & C.FILE_ATTRIBUTE_READONLY) throw new SmbError(S.STATUS_CANNOT_DELETE);
    if (open.isDir) {
      const page = await files.entries(fileCall(open), 0n, null, 4);
      if (page.entries.some((e) => e.name !== "." && e.name !== ".."))
        throw new SmbError(S.STATUS_DIRECTORY_NOT_EMPTY);
    }
    await breakHandleLeases(req, open);
  }
  file.deletePending = deletePending;
  if (!deletePending) for (const o of file.opens) o.deleteOnClose = false;
}

/**
 * [MS-FSA] §2.1.5.14 FileModeInformation: only WRITE_THROUGH, SEQUENTIAL_ONLY,
 * NO_INTERMEDIATE_BUFFERING and one of the SYNCHRONOUS_IO flags may be set (smbtorture
 * smb2.setinfo sets 1, FILE_DIRECTORY_FILE's bit: INVALID_PARAMETER).
 */
function checkMode(mode: number): number {
  const SYNC_ALERT = 0x10;
  const SYNC_NONALERT = 0x20;
  const both = SYNC_ALERT | SYNC_NONALERT;
  if (mode & ~(0x2 | 0x4 | 0x8 | both) || (mode & both) === both)
    throw new SmbError(S.STATUS_INVALID_PARAMETER, "FileModeInformation");
  return mode;
}

async function setSize(req: SmbRequest, open: Open, size: bigint, onlyShrink: boolean): Promise<void> {
  need(open, C.FILE_WRITE_DATA);
  if (open.isDir) throw new SmbError(S.STATUS_INVALID_PARAMETER);
  // The same ceiling as WRITE: a size past it is refused before the payload layer walks its blocks.
  if (size > MAX_FILE_BYTES) throw new SmbError(S.STATUS_DISK_FULL);
  const files = req.server.ctx.files;
  const f = grantedCall(open);
  // An allocation change breaks read caching even when the size stays (smbtorture oplock batch12).
  const beforeChange = () => breakReadCaching(req.server, open);
  // FileAllocationInformation: the allocation asked for is kept while the file is open.
  if (onlyShrink) req.server.file(open.fileKey).allocation = allocationUnits(size);
  if (onlyShrink && Number(size) >= (await req.server.ctx.files.getattr(fileCall(open))).size) {
    beforeChange();
    return;
  }
  await flushUpdate(req.server, open);
  await files.setattr(f, { attrs: keepingChangeTime(open, { size: Number(size) }), beforeChange });
  open.written = true;
}

/** [MS-FSA] §2.1.5.14.2 FileFullEaInformation: needs FILE_WRITE_EA; the EAs are the file's, also from a stream open. */
async function setEas(req: SmbRequest, open: Open, buf: Buffer): Promise<void> {
  need(open, C.FILE_WRITE_EA);
  const list = decodeFullEaList(buf);
  const f = treeCall(open.tree, open.handle);
  await withStatus({ ENOSPC: S.STATUS_EA_TOO_LARGE }, () => req.server.ctx.files.setEas(f, list));
}

async function setFileInfo(req: SmbRequest, open: Open, cls: number, buf: Buffer): Promise<void> {
  const r = new SmbReader(buf);
  const write = [
    C.FileRenameInformation,
    C.FileLinkInformation,
    C.FileDispositionInformation,
    C.FileDispositionInformationEx,
    C.FileAllocationInformation,
    C.FileEndOfFileInformation,
    C.FileBasicInformation,
    C.FileFullEaInformation,
  ];
  if (write.includes(cls) && !open.tree.writable) throw new SmbError(open.tree.readOnlyStatus);
  if (cls === C.FileBasicInformation) return setBasic(req, open, r);
  if (cls === C.FileRenameInformation) return setRename(req, open, buf, false);
  if (cls === C.FileLinkInformation) return setRename(req, open, buf, true);
  if (cls === C.FileDispositionInformation) return setDisposition(req, open, r.u8() !== 0);
  if (cls === C.FileDispositionInformationEx) return setDisposition(req, open, (r.u32() & 1) !== 0);
  if (cls === C.FilePositionInformation) {
    open.position = r.u64();
    return;
  }
  if (cls === C.FileModeInformation) {
    open.mode = checkMode(r.u32());
    return;
  }
  if (cls === C.FileAllocationInformation) return setSize(req, open, r.u64(), true);
  if (cls === C.FileEndOfFileInformation) return setSize(req, open, r.u64(), false);
  if (cls === C.FileValidDataLengthInformation) return;
  if (cls === C.FileFullEaInformation) return setEas(req, open, buf);
  throw new SmbError(S.STATUS_INVALID_INFO_CLASS);
}

/**
 * [MS-SMB2] §3.3.5.21.3: owner/group changes need WRITE_OWNER, a DACL WRITE_DAC. The file
 * service applies them (files/security.ts) as the open's grantee (state.ts Open.grantee): a Unix
 * SID is a chown (POSIX rules: EPERM, i.e. ACCESS_DENIED), a DACL is stored with the mode set to
 * its approximation.
 */
async function setSecurity(req: SmbRequest, open: Open, additional: number, buf: Buffer): Promise<void> {
  if (!(open.grantedAccess & (C.WRITE_DAC | C.WRITE_OWNER))) throw new SmbError(S.STATUS_ACCESS_DENIED);
  const change = securityChange(decodeSecurity(buf), additional);
  if (change.owner !== undefined || change.group !== undefined) need(open, C.WRITE_OWNER);
  if (change.dacl !== undefined) need(open, C.WRITE_DAC);
  if (Object.keys(change).length === 0) return;
  await req.server.ctx.files.setSecurity({ ...fileCall(open), caller: open.grantee }, change);
}

export async function setInfo(req: SmbRequest): Promise<Reply> {
  const r = req.reader();
  const infoType = r.u8();
  const cls = r.u8();
  const len = r.u32();
  const off = r.u16();
  r.u16();
  const additional = r.u32();
  const open = req.open(readFileId(r));
  const buf = slice(req.msg, off, len, MAX_SET_INFO_BYTES);
  if (infoType === C.SMB2_0_INFO_FILE) await setFileInfo(req, open, cls, buf);
  else if (infoType === C.SMB2_0_INFO_SECURITY) await setSecurity(req, open, additional, buf);
  else if (infoType === C.SMB2_0_INFO_FILESYSTEM || infoType === C.SMB2_0_INFO_QUOTA) {
    throw new SmbError(S.STATUS_NOT_SUPPORTED);
  } else throw new SmbError(S.STATUS_INVALID_PARAMETER, "InfoType");
  return { body: Buffer.from([2, 0]) };
}

export const SET_INFO: CommandSpec = {
  name: "SET_INFO",
  structureSize: 33,
  needsSession: true,
  needsTree: true,
  handle: setInfo,
};
