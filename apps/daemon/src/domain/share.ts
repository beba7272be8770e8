/**
 * A share as the data path sees it, and the enums that qualify it. The enum values come from
 * `@dittofs/shared` (one source for the TypeScript, zod and drizzle forms).
 */
import type { SquashMode } from "@dittofs/shared";

export {
  PERMISSION_LEVELS,
  type Permission,
  ROLES,
  type Role,
  SQUASH_MODES,
  type SquashMode,
} from "@dittofs/shared";

/** A share as the data path sees it (live state; the control plane holds the full record). */
export interface ShareInfo {
  /** Like "/export". SMB exposes it without the leading slash. */
  name: string;
  readOnly: boolean;
  squash: SquashMode;
  anonUid: number;
  anonGid: number;
  protocols: { nfs: boolean; smb: boolean };
  /** SMB guest access (no credentials) allowed. */
  guest: boolean;
  metadataStore: string;
  blockStore: string;
}
