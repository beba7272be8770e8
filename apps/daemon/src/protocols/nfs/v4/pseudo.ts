/**
 * The NFSv4 pseudo file system (RFC 8881 §7.3, RFC 7530 §7.3): a read-only tree of directories
 * whose leaves are the shares a caller may mount, so `mount server:/export` walks from PUTROOTFH
 * with LOOKUP "export" into the share's root. A share named "/a/b" makes the directory "a" and
 * the leaf "b". Which shares appear is decided per call (share exported over NFS, the client
 * list and the caller's grant: domain/share-access.ts), as MOUNT's EXPORT does.
 *
 * Pseudo handles are a tag byte and 8 bytes of SHA-256 of the path: stable across restarts and
 * never the shape of a share handle (metadata/handle.ts, 21 bytes starting with its version).
 * A share nested below another share's path is reached by MOUNT (v3) only.
 */
import { createHash } from "node:crypto";
import { FsError } from "../../../domain/errors.ts";
import type { ShareInfo } from "../../../domain/share.ts";
import type { FileAttr, Timespec } from "../../../metadata/types.ts";

const PSEUDO_TAG = 0x70;
const PSEUDO_HANDLE_BYTES = 9;
/** The pseudo file system's fsid major/minor (shares use their share key: metadata/handle.ts). */
export const PSEUDO_FSID = 0n;

export type PseudoChild = { kind: "dir"; node: PseudoNode } | { kind: "share"; share: ShareInfo };

export interface PseudoNode {
  /** "" for the root, else "a/b". */
  path: string;
  handle: Buffer;
  fileid: bigint;
  parent: PseudoNode | null;
  children: Map<string, PseudoChild>;
}

function digest(path: string): Buffer {
  return createHash("sha256").update(`pseudo:${path}`, "utf8").digest();
}

export function pseudoHandle(path: string): Buffer {
  const h = Buffer.alloc(PSEUDO_HANDLE_BYTES);
  h[0] = PSEUDO_TAG;
  digest(path).copy(h, 1, 0, 8);
  return h;
}

/** A fileid for a pseudo path: never 0, top bit set so it stays apart from store fileids. */
export function pseudoFileid(path: string): bigint {
  return digest(path).readBigUInt64BE(8) | (1n << 63n);
}

export function isPseudoHandle(fh: Buffer): boolean {
  return fh.length === PSEUDO_HANDLE_BYTES && fh[0] === PSEUDO_TAG;
}

function components(shareName: string): string[] {
  return shareName.split("/").filter((p) => p !== "" && p !== ".");
}

function newNode(path: string, parent: PseudoNode | null): PseudoNode {
  return { path, handle: pseudoHandle(path), fileid: pseudoFileid(path), parent, children: new Map() };
}

/** The tree of the shares `visible` (already filtered for the caller). */
export function buildPseudoTree(visible: readonly ShareInfo[]): PseudoNode {
  const root = newNode("", null);
  // Shorter names first, so a share shadows any deeper share below its path.
  const byDepth = [...visible].sort((a, b) => components(a.name).length - components(b.name).length);
  for (const share of byDepth) {
    const parts = components(share.name);
    if (parts.length === 0) continue;
    let node: PseudoNode | null = root;
    for (const part of parts.slice(0, -1)) {
      const child: PseudoChild | undefined = node.children.get(part);
      if (child?.kind === "share") {
        node = null;
        break;
      }
      if (child === undefined) {
        const made = newNode(node.path === "" ? part : `${node.path}/${part}`, node);
        node.children.set(part, { kind: "dir", node: made });
        node = made;
      } else node = child.node;
    }
    const leaf = parts[parts.length - 1]!;
    if (node !== null && !node.children.has(leaf)) node.children.set(leaf, { kind: "share", share });
  }
  return root;
}

/** The node whose handle is `fh`; ESTALE when the caller's tree has no such directory. */
export function findNode(root: PseudoNode, fh: Buffer): PseudoNode {
  const stack = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.handle.equals(fh)) return n;
    for (const c of n.children.values()) if (c.kind === "dir") stack.push(c.node);
  }
  throw new FsError("ESTALE", "pseudo directory not visible");
}

/** The directory holding share `name`'s root in the tree, and the root's mounted-on fileid. */
export function shareMount(root: PseudoNode, name: string): { parent: PseudoNode; fileid: bigint } | null {
  const parts = components(name);
  let node = root;
  for (const part of parts.slice(0, -1)) {
    const c = node.children.get(part);
    if (c?.kind !== "dir") return null;
    node = c.node;
  }
  const leaf = parts[parts.length - 1];
  if (leaf === undefined || node.children.get(leaf)?.kind !== "share") return null;
  return { parent: node, fileid: pseudoFileid(node.path === "" ? leaf : `${node.path}/${leaf}`) };
}

/** Attributes of a pseudo directory: read-only to all, owned by root, times of the server start. */
export function pseudoAttr(node: PseudoNode, started: Timespec): FileAttr {
  let dirs = 0;
  for (const c of node.children.values()) dirs += c.kind === "dir" ? 1 : 0;
  return {
    type: "dir",
    mode: 0o555,
    nlink: 2 + dirs,
    uid: 0,
    gid: 0,
    size: 4096,
    used: 0,
    rdev: { major: 0, minor: 0 },
    fsid: PSEUDO_FSID,
    fileid: node.fileid,
    atime: started,
    mtime: started,
    ctime: started,
    btime: started,
    changeTime: started,
    dosAttributes: 0,
    payloadId: null,
  };
}
