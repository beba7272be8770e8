/**
 * Every payload of a share's files, for a migration of its blocks to another store
 * (docs/architecture.md "Moving a share's blocks"): a walk of the tree from the root, each inode
 * once (hard links), plus the open-unlinked files still holding data.
 */
import type { ShareState } from "../core.ts";
import { LIST_ENTRIES_MAX } from "../metadata-store.ts";

/** Open-unlinked files looked at per share (the start-up orphan sweep's bound). */
const ORPHANS_MAX = 10_000;

export interface PayloadFile {
  payloadId: string;
  size: number;
}

export async function sharePayloads(share: ShareState): Promise<PayloadFile[]> {
  const { store } = share;
  const out: PayloadFile[] = [];
  const seen = new Set<bigint>();
  const dirs: bigint[] = [share.root];
  for (let dir = dirs.pop(); dir !== undefined; dir = dirs.pop()) {
    let after = 0n;
    for (;;) {
      const page = await store.listEntries(dir, after, LIST_ENTRIES_MAX);
      for (const { inode } of page) {
        if (seen.has(inode.id)) continue;
        seen.add(inode.id);
        if (inode.type === "dir") dirs.push(inode.id);
        else if (inode.payloadId !== null) out.push({ payloadId: inode.payloadId, size: inode.size });
      }
      if (page.length < LIST_ENTRIES_MAX) break;
      after = page[page.length - 1]!.seq;
    }
  }
  for (const id of await store.orphans(share.root, ORPHANS_MAX)) {
    const inode = await store.getInode(id);
    if (inode?.payloadId != null && !seen.has(id)) out.push({ payloadId: inode.payloadId, size: inode.size });
  }
  return out;
}
