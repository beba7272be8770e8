/**
 * Limits every layer must agree on. Each protocol advertises them (NFS FSINFO maxfilesize) and
 * each layer checks them before changing anything, so a request beyond a limit fails whole.
 */

/**
 * The largest file size and the largest offset + length of any read or write, in bytes. Below
 * 2^53 so offsets stay exact JavaScript numbers; 2^50 leaves the payload's chunk and block
 * arithmetic (offset / CHUNK_SIZE_BYTES × blocks) far from that edge.
 */
export const FILE_SIZE_MAX = 2 ** 50;

/**
 * The unit a block store holds (docs/architecture.md "Content"): payload keys and the PostgreSQL block map
 * (which maps a file's size to its blocks) must agree on it.
 */
export const BLOCK_SIZE_BYTES = 4 * 1024 * 1024;
