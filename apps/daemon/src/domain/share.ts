/**
 * A share as the data path sees it, and the enums that qualify it. The enum values come from
 * `@dittofs/shared` (one source for the TypeScript, zod and drizzle forms).
 */
import type { AnonymousAccess, NfsClientRule, SquashMode } from "@dittofs/shared";

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
  /**
   * SMB: every tree connect must encrypt ([MS-SMB2] §3.3.1.6 Share.EncryptData); a session that
   * cannot is refused. Absent: false.
   */
  encryptData?: boolean;
  /**
   * NFS client list (exports(5)): the first entry matching the peer address decides read or
   * read-write; a peer no entry matches may not use the share. Absent: every host, read-write.
   */
  nfsClients?: readonly NfsClientRule[];
  /** NFS callers whose uid names no control-plane user, and AUTH_NONE callers. Absent: read-write. */
  anonymousAccess?: AnonymousAccess;
  metadataStore: string;
  blockStore: string;
}
