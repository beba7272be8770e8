/**
 * Versioned block keys of shared (scale-out) mode, docs/architecture.md "Scale-out": every upload of a block
 * goes to a new, never-overwritten key `<payloadId>/chunk-<c>/block-<b>-v<version>`, and the
 * metadata store records which version each block of a payload currently is (BlockMap). A daemon
 * can then tell a stale cached block from a current one by comparing versions, and readers never
 * see a half-replaced object.
 *
 * version = 12 hex digits of the uploader's clock in ms + 8 random hex digits. The timestamp lets
 * the sweeper (sweep.ts) skip keys younger than its grace period without asking S3 for metadata;
 * the random part keeps two daemons uploading the same block in the same millisecond apart.
 */
import { randomBytes } from "node:crypto";
import type { VersionedKey } from "../../domain/block-map.ts";
import { BLOCKS_PER_CHUNK, blockKey } from "../block-store/keys.ts";

const VERSIONED_KEY_RE = /^(.+)\/chunk-(\d+)\/block-(\d+)-v([0-9a-f]{20})$/;

export function newVersion(nowMs = Date.now()): string {
  return nowMs.toString(16).padStart(12, "0").slice(-12) + randomBytes(4).toString("hex");
}

/** The uploader's clock when the version was made (ms since the epoch). */
export function versionTimeMs(version: string): number {
  return Number.parseInt(version.slice(0, 12), 16);
}

export function versionedBlockKey(payloadId: string, blockIndex: number, version: string): string {
  return `${blockKey(payloadId, blockIndex)}-v${version}`;
}

export type { VersionedKey };

/** Inverse of versionedBlockKey; null for anything else (unversioned keys of other shares too). */
export function parseVersionedKey(key: string): VersionedKey | null {
  const m = VERSIONED_KEY_RE.exec(key);
  if (m === null) return null;
  const block = Number(m[3]);
  if (block >= BLOCKS_PER_CHUNK) return null;
  return { key, payloadId: m[1]!, block: Number(m[2]) * BLOCKS_PER_CHUNK + block, version: m[4]! };
}
