/**
 * Block keys: `<payloadId>/chunk-<c>/block-<b>` (docs/architecture.md "Content"). A payload id is minted by a
 * metadata store, never taken from a client-supplied file name; we still validate every key so a
 * bad id can never escape the fs store's directory or reach S3 as an odd path.
 */
import { FsError } from "../../domain/errors.ts";
import { BLOCK_SIZE_BYTES, CHUNK_SIZE_BYTES } from "../types.ts";

/** Longest payload id accepted (ids are generated; 128 bytes leaves room for any UUID/ULID scheme). */
export const PAYLOAD_ID_LENGTH_MAX = 128;
/** Longest block key accepted by every block store. */
export const BLOCK_KEY_LENGTH_MAX = 512;
export const BLOCKS_PER_CHUNK = CHUNK_SIZE_BYTES / BLOCK_SIZE_BYTES;

const PAYLOAD_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const KEY_SEGMENT_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const BLOCK_KEY_RE = /^(.+)\/chunk-(\d+)\/block-(\d+)$/;

export function assertPayloadId(payloadId: string): void {
  if (payloadId.length === 0 || payloadId.length > PAYLOAD_ID_LENGTH_MAX || !PAYLOAD_ID_RE.test(payloadId)) {
    throw new FsError("EINVAL", `bad payload id ${JSON.stringify(payloadId.slice(0, 40))}`);
  }
}

/** Validates a store key: '/'-separated segments of [A-Za-z0-9._-], none "." or "..". */
export function assertBlockKey(key: string): void {
  if (key.length === 0 || key.length > BLOCK_KEY_LENGTH_MAX)
    throw new FsError("EINVAL", "bad block key length");
  for (const seg of key.split("/")) {
    if (!KEY_SEGMENT_RE.test(seg) || seg === "." || seg === "..") {
      throw new FsError("EINVAL", `bad block key ${JSON.stringify(key.slice(0, 60))}`);
    }
  }
}

/** Key of the block with global index `blockIndex` (offset / BLOCK_SIZE_BYTES) of a payload. */
export function blockKey(payloadId: string, blockIndex: number): string {
  const chunk = Math.floor(blockIndex / BLOCKS_PER_CHUNK);
  const block = blockIndex % BLOCKS_PER_CHUNK;
  return `${payloadId}/chunk-${chunk}/block-${block}`;
}

/** The prefix under which every block of a payload lives. */
export function payloadPrefix(payloadId: string): string {
  return `${payloadId}/`;
}

/** Inverse of blockKey: the global block index, or -1 if the key is not a block key. */
export function parseBlockIndex(key: string): number {
  const m = BLOCK_KEY_RE.exec(key);
  if (m === null) return -1;
  const block = Number(m[3]);
  if (block >= BLOCKS_PER_CHUNK) return -1;
  return Number(m[2]) * BLOCKS_PER_CHUNK + block;
}
