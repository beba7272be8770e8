/**
 * Opens and trees as file-service calls: the tree's caller, share and access policy with the
 * handle, and for an open whose access a stored ACL decided the rwx that access stands for
 * (docs/architecture.md "Security descriptors").
 */
import type { FileCall } from "../../files/types.ts";
import {
  FILE_APPEND_DATA,
  FILE_EXECUTE,
  FILE_READ_DATA,
  FILE_WRITE_ATTRIBUTES,
  FILE_WRITE_DATA,
} from "./constants.ts";
import type { Open, Tree } from "./state.ts";

/**
 * An open as the file service's call context: the tree's caller and share, the open's handle
 * (resolved at CREATE; TREE_CONNECT checked the share's SMB access).
 */
export function fileCall(open: Open): FileCall {
  const f = treeCall(open.tree, open.handle);
  return open.stream === null ? f : { ...f, stream: open.stream };
}

/**
 * The open's own object as a call whose mode checks also pass what its ACL-decided access
 * stands for (Caller.aclBits, and Caller.aclWriteAttributes for FILE_WRITE_ATTRIBUTES): for
 * reading, writing, SETATTR and listing that object only (never a call checking another object,
 * such as a rename's directories).
 */
export function grantedCall(open: Open): FileCall {
  const f = fileCall(open);
  if (!open.aclDecided) return f;
  const aclWriteAttributes = (open.grantedAccess & FILE_WRITE_ATTRIBUTES) !== 0;
  return { ...f, caller: { ...f.caller, aclBits: aclBits(open.grantedAccess), aclWriteAttributes } };
}

/** The rwx bits an access mask stands for: FILE_READ_DATA, FILE_WRITE_DATA/FILE_APPEND_DATA, FILE_EXECUTE. */
function aclBits(access: number): number {
  const r = access & FILE_READ_DATA ? 4 : 0;
  const w = access & (FILE_WRITE_DATA | FILE_APPEND_DATA) ? 2 : 0;
  return r | w | (access & FILE_EXECUTE ? 1 : 0);
}

/** Another handle of the tree's share (its root, a rename's parent directories) as a file-service call. */
export function treeCall(tree: Tree, handle: Buffer): FileCall {
  return { caller: tree.caller, handle, share: tree.share, access: tree.access, client: tree.clientId };
}
