/** Inputs of the shares and share-permission procedures. */
import { z } from "zod";
import {
  anonymousAccessSchema,
  groupNameSchema,
  nfsClientsSchema,
  permissionLevelSchema,
  shareNameSchema,
  squashSchema,
  storeNameSchema,
  unixIdSchema,
  usernameSchema,
} from "./primitives.ts";

export const shareNameInput = z.object({ name: shareNameSchema });

export const shareCreateInput = z.object({
  name: shareNameSchema,
  metadataStore: storeNameSchema,
  blockStore: storeNameSchema,
  readOnly: z.boolean().optional(),
  squash: squashSchema.optional(),
  anonUid: unixIdSchema.optional(),
  anonGid: unixIdSchema.optional(),
  nfs: z.boolean().optional(),
  smb: z.boolean().optional(),
  guest: z.boolean().optional(),
  /** SMB 3 encryption required on this share (Samba's per-share `smb encrypt = required`). */
  encryptData: z.boolean().optional(),
  nfsClients: nfsClientsSchema.optional(),
  anonymousAccess: anonymousAccessSchema.optional(),
});

export const shareUpdateInput = z.object({
  name: shareNameSchema,
  metadataStore: storeNameSchema.optional(),
  blockStore: storeNameSchema.optional(),
  readOnly: z.boolean().optional(),
  squash: squashSchema.optional(),
  anonUid: unixIdSchema.optional(),
  anonGid: unixIdSchema.optional(),
  nfs: z.boolean().optional(),
  smb: z.boolean().optional(),
  guest: z.boolean().optional(),
  /** SMB 3 encryption required on this share (Samba's per-share `smb encrypt = required`). */
  encryptData: z.boolean().optional(),
  nfsClients: nfsClientsSchema.optional(),
  anonymousAccess: anonymousAccessSchema.optional(),
});

/** Move a share's blocks to another block store (a migration job; runtime/share-migration.ts). */
export const shareMigrateInput = z.object({ name: shareNameSchema, blockStore: storeNameSchema });

/** A grant names exactly one subject: a user or a group. */
function exactlyOneSubject(
  v: { user?: string | undefined; group?: string | undefined },
  ctx: z.RefinementCtx,
) {
  if ((v.user === undefined) === (v.group === undefined)) {
    ctx.addIssue({ code: "custom", message: "give either user or group", path: ["user"] });
  }
}

export const sharePermissionSetInput = z
  .object({
    name: shareNameSchema,
    user: usernameSchema.optional(),
    group: groupNameSchema.optional(),
    level: permissionLevelSchema,
  })
  .superRefine(exactlyOneSubject);

export const sharePermissionRemoveInput = z
  .object({ name: shareNameSchema, user: usernameSchema.optional(), group: groupNameSchema.optional() })
  .superRefine(exactlyOneSubject);

export type ShareCreateInput = z.infer<typeof shareCreateInput>;
export type ShareUpdateInput = z.infer<typeof shareUpdateInput>;
export type SharePermissionSetInput = z.infer<typeof sharePermissionSetInput>;
export type SharePermissionRemoveInput = z.infer<typeof sharePermissionRemoveInput>;
