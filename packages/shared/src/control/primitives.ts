/**
 * Field-level schemas shared by the daemon's tRPC inputs and the console's forms, so both sides
 * reject the same values with the same messages.
 */
import { z } from "zod";
import {
  ACCESS_LEVELS,
  HOST_ACCESS_LEVELS,
  PERMISSION_LEVELS,
  ROLES,
  SQUASH_MODES,
} from "../domain/enums.ts";

/** Longest username/group/store name; also bounds audit and session rows. */
export const NAME_LENGTH_MAX = 64;
/** Longest share name ("/export/projects"). */
export const SHARE_NAME_LENGTH_MAX = 255;
/** scrypt is deliberately slow and memory-hard; refuse pathological inputs before hashing. */
export const PASSWORD_LENGTH_MAX = 256;
export const PASSWORD_LENGTH_MIN = 8;
/** Unix ids: 32-bit, with 4294967295 reserved as "no id" (-1) by POSIX chown. */
export const UNIX_ID_MAX = 4_294_967_294;

export const roleSchema = z.enum(ROLES);
export const squashSchema = z.enum(SQUASH_MODES);
export const permissionLevelSchema = z.enum(PERMISSION_LEVELS);
/** What NFS callers whose uid names no control-plane user (and AUTH_NONE callers) may do on a share. */
export const anonymousAccessSchema = z.enum(ACCESS_LEVELS);

/** Entries of a share's NFS client list, as exports(5) / Ganesha `Clients`. */
export const NFS_CLIENTS_MAX = 64;
/** `*` (every host), an IPv4/IPv6 address, or a CIDR network like 10.0.0.0/8. */
export const nfsClientHostSchema = z.union([z.literal("*"), z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()], {
  error: "*, an IP address or a CIDR network like 10.0.0.0/8",
});
export const nfsClientRuleSchema = z.object({
  host: nfsClientHostSchema,
  access: z.enum(HOST_ACCESS_LEVELS),
});
/** The first entry matching the peer's address decides; a peer no entry matches may not use the share. */
export const nfsClientsSchema = z.array(nfsClientRuleSchema).max(NFS_CLIENTS_MAX);
export type NfsClientRule = z.infer<typeof nfsClientRuleSchema>;
/** A new share admits every host read-write; grants and mode bits decide the rest. */
export const DEFAULT_NFS_CLIENTS: readonly NfsClientRule[] = [{ host: "*", access: "read-write" }];

export const usernameSchema = z
  .string()
  .min(1, "required")
  .max(NAME_LENGTH_MAX)
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, "letters, digits, '_', '.', '-'; not starting with a digit");

export const groupNameSchema = usernameSchema;

export const storeNameSchema = z
  .string()
  .min(1, "required")
  .max(NAME_LENGTH_MAX)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "letters, digits, '_', '.', '-'");

/** "/export" or "/a/b": absolute, no empty or dot components. */
export const shareNameSchema = z
  .string()
  .min(2, "required")
  .max(SHARE_NAME_LENGTH_MAX)
  .regex(/^(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)+$/, "an absolute path like /export");

export const passwordSchema = z
  .string()
  .min(PASSWORD_LENGTH_MIN, `at least ${PASSWORD_LENGTH_MIN} characters`)
  .max(PASSWORD_LENGTH_MAX);

export const unixIdSchema = z.number().int().min(0).max(UNIX_ID_MAX);

/** 0 asks the OS for a free port (tests); otherwise a TCP port. */
export const portSchema = z.number().int().min(0).max(65_535);

export const adapterTypeSchema = z
  .string()
  .min(1, "required")
  .max(32)
  .regex(/^[a-z][a-z0-9-]*$/, "lowercase letters, digits, '-'");

/** JSON-shaped settings and store configs. */
export const jsonObjectSchema = z.record(z.string(), z.unknown());
