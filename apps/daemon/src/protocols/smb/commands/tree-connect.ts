/**
 * SMB2 TREE_CONNECT / TREE_DISCONNECT ([MS-SMB2] §2.2.9–2.2.12, §3.3.5.7). `\\host\export` maps to
 * the share "/export" (case-insensitive, as Windows share names are); the share must have SMB
 * enabled and the user a permission other than "none". Guests need a guest share. A share stored
 * with `encryptData`, or in the `encryptedShares` setting (or any share when the server requires
 * encryption), answers SMB2_SHAREFLAG_ENCRYPT_DATA and needs a session that can encrypt (§3.3.5.7).
 */

import type { ShareInfo } from "../../../domain/share.ts";
import type { ShareAccess } from "../../../domain/share-access.ts";
import { sessionConnections } from "../channels.ts";
import {
  FILE_ALL_ACCESS,
  FILE_GENERIC_EXECUTE,
  FILE_GENERIC_READ,
  SMB2_HEADER_SIZE,
  SMB2_SHARE_TYPE_DISK,
  SMB2_SHARE_TYPE_PIPE,
  SMB2_SHAREFLAG_ENCRYPT_DATA,
} from "../constants.ts";
import { MAX_PATH_BYTES, MAX_TREES_PER_SESSION } from "../limits.ts";
import {
  STATUS_ACCESS_DENIED,
  STATUS_BAD_NETWORK_NAME,
  STATUS_INSUFFICIENT_RESOURCES,
  STATUS_MEDIA_WRITE_PROTECTED,
} from "../ntstatus.ts";
import type { CommandSpec, Reply, SmbRequest } from "../request.ts";
import type { Session, Tree } from "../state.ts";
import { SmbError } from "../status.ts";
import { SmbWriter, slice } from "../wire.ts";
import { EMPTY_4 } from "./logoff.ts";

/** The uid/gid of "nobody": IPC$ and a tree whose session lost its access act as it. */
const NOBODY_ID = 65534;

export function findSmbShare(shares: ShareInfo[], smbName: string): ShareInfo | undefined {
  const want = smbName.toLowerCase();
  return shares.find((s) => s.protocols.smb && s.name.replace(/^\/+/, "").toLowerCase() === want);
}

const IPC_SHARE: ShareInfo = {
  name: "IPC$",
  readOnly: true,
  squash: "all_squash",
  anonUid: NOBODY_ID,
  anonGid: NOBODY_ID,
  protocols: { nfs: false, smb: true },
  guest: true,
  metadataStore: "",
  blockStore: "",
};

const READ_ONLY: ShareAccess = { level: "read", writeRefusal: "EACCES" };
const NOBODY: Tree["caller"] = { uid: NOBODY_ID, gid: NOBODY_ID, gids: [], origin: "smb" };

/**
 * Who a session acts as on a share, through the share's access policy (FileService.connect: the
 * user's grant, guests on guest shares; it throws when the session may not connect).
 */
function treeAccess(
  req: SmbRequest,
  session: Session,
  share: ShareInfo,
): Pick<Tree, "caller" | "root" | "access" | "writable"> {
  const p = session.principal;
  if (!p && !share.guest) throw new SmbError(STATUS_ACCESS_DENIED);
  const caller: Tree["caller"] = p
    ? { uid: p.uid, gid: p.gid, gids: p.gids, origin: "smb" }
    : { uid: share.anonUid, gid: share.anonGid, gids: [], origin: "smb" };
  const root = req.server.ctx.files.connect(caller, share.name, { protocol: "smb", user: { principal: p } });
  const writable = root.access?.level === "read-write" && !share.readOnly;
  return { caller, root: root.handle, access: root.access ?? READ_ONLY, writable };
}

/**
 * After a re-authentication (§3.3.5.5.3) the session's trees act as its new identity; a tree the
 * new identity could not connect acts as nobody, read-only.
 */
export function retargetTrees(req: SmbRequest, session: Session): void {
  for (const tree of session.trees.values()) {
    if (tree.ipc) continue;
    let now: Pick<Tree, "caller" | "access" | "writable">;
    try {
      now = treeAccess(req, session, tree.share);
    } catch {
      now = { caller: NOBODY, access: READ_ONLY, writable: false };
    }
    tree.caller = now.caller;
    tree.access = now.access;
    tree.writable = now.writable;
  }
}

/** §3.3.5.7: IPC$ is the named-pipe share; its pipes (ipc.ts) open on this tree. */
function connectIpc(req: SmbRequest): Reply {
  const session = req.requireSession();
  const tree: Tree = {
    id: req.conn.newTreeId(),
    ipc: true,
    share: IPC_SHARE,
    root: Buffer.alloc(0),
    caller: NOBODY,
    access: READ_ONLY,
    writable: false,
    readOnlyStatus: STATUS_ACCESS_DENIED,
    encryptData: false,
    maximalAccess: FILE_GENERIC_READ,
    clientId: req.conn.clientId,
  };
  session.trees.set(tree.id, tree);
  const w = new SmbWriter();
  w.u16(16).u8(SMB2_SHARE_TYPE_PIPE).u8(0).u32(0).u32(0).u32(tree.maximalAccess);
  return { body: w.finish(), treeId: tree.id };
}

export async function treeConnect(req: SmbRequest): Promise<Reply> {
  const session = req.requireSession();
  const r = req.reader();
  r.u16(); // Flags (3.1.1) / Reserved
  const off = r.u16();
  const len = r.u16();
  const path = slice(req.msg, off, len, MAX_PATH_BYTES).toString("utf16le");
  const smbName =
    path
      .split("\\")
      .filter((p) => p.length > 0)
      .pop() ?? "";
  const ctx = req.server.ctx;
  if (smbName.toUpperCase() === "IPC$") return connectIpc(req);
  const share = findSmbShare(ctx.shares.list(), smbName);
  if (!share) throw new SmbError(STATUS_BAD_NETWORK_NAME, smbName);
  if (session.trees.size >= MAX_TREES_PER_SESSION) throw new SmbError(STATUS_INSUFFICIENT_RESOURCES);
  const { caller, root, access, writable } = treeAccess(req, session, share);
  // Windows: a write-protected volume says MEDIA_WRITE_PROTECTED, a share ACL says ACCESS_DENIED.
  const readOnlyStatus = share.readOnly ? STATUS_MEDIA_WRITE_PROTECTED : STATUS_ACCESS_DENIED;
  const maximalAccess = writable ? FILE_ALL_ACCESS : FILE_GENERIC_READ | FILE_GENERIC_EXECUTE;
  const cfg = req.server.config;
  const encryptData =
    cfg.encryptionRequired || share.encryptData === true || cfg.encryptedShares.has(smbName.toLowerCase());
  // §3.3.5.7: an encrypted share refuses a session (dialect, client) that cannot encrypt.
  if (encryptData && !session.cipher) throw new SmbError(STATUS_ACCESS_DENIED, "share requires encryption");
  const tree: Tree = {
    id: req.conn.newTreeId(),
    ipc: false,
    share,
    root,
    caller,
    access,
    writable,
    readOnlyStatus,
    encryptData,
    maximalAccess,
    clientId: req.conn.clientId,
  };
  session.trees.set(tree.id, tree);
  ctx.clients.update(req.conn.clientId, { share: share.name });
  const w = new SmbWriter();
  const shareFlags = encryptData ? SMB2_SHAREFLAG_ENCRYPT_DATA : 0;
  w.u16(16).u8(SMB2_SHARE_TYPE_DISK).u8(0).u32(shareFlags).u32(0).u32(maximalAccess);
  return { body: w.finish(), treeId: tree.id };
}

export async function treeDisconnect(req: SmbRequest): Promise<Reply> {
  const session = req.requireSession();
  const tree = req.requireTree();
  for (const c of sessionConnections(session, req.conn)) await c.closeSessionOpens(session, tree.id);
  session.trees.delete(tree.id);
  return { body: EMPTY_4() };
}

export const TREE_CONNECT: CommandSpec = {
  name: "TREE_CONNECT",
  structureSize: 9,
  needsSession: true,
  needsTree: false,
  handle: treeConnect,
};

export const TREE_DISCONNECT: CommandSpec = {
  name: "TREE_DISCONNECT",
  structureSize: 4,
  needsSession: true,
  needsTree: true,
  handle: treeDisconnect,
};

void SMB2_HEADER_SIZE;
