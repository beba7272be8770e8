/** Inputs of the auth, users and groups procedures. */
import { z } from "zod";
import {
  groupNameSchema,
  PASSWORD_LENGTH_MAX,
  passwordSchema,
  roleSchema,
  unixIdSchema,
  usernameSchema,
} from "./primitives.ts";

export const loginInput = z.object({
  username: z.string().min(1, "required").max(256),
  password: z.string().min(1, "required").max(PASSWORD_LENGTH_MAX),
});

export const changePasswordInput = z.object({
  currentPassword: z.string().min(1, "required").max(PASSWORD_LENGTH_MAX),
  newPassword: passwordSchema,
});

export const userListInput = z.object({ search: z.string().max(64).optional() }).optional();
export const usernameInput = z.object({ username: usernameSchema });

export const userCreateInput = z.object({
  username: usernameSchema,
  password: passwordSchema,
  uid: unixIdSchema.optional(),
  gid: unixIdSchema.optional(),
  role: roleSchema,
  enabled: z.boolean().optional(),
  mustChangePassword: z.boolean().optional(),
});

export const userUpdateInput = z.object({
  username: usernameSchema,
  uid: unixIdSchema.optional(),
  gid: unixIdSchema.optional(),
  role: roleSchema.optional(),
  enabled: z.boolean().optional(),
  mustChangePassword: z.boolean().optional(),
});

/** An admin reset makes the user choose a new password at next login unless told otherwise. */
export const userResetPasswordInput = z.object({
  username: usernameSchema,
  password: passwordSchema,
  mustChangePassword: z.boolean().optional(),
});

export const groupNameInput = z.object({ name: groupNameSchema });
export const groupCreateInput = z.object({ name: groupNameSchema, gid: unixIdSchema.optional() });
export const groupUpdateInput = z.object({ name: groupNameSchema, gid: unixIdSchema });
export const groupMemberInput = z.object({ name: groupNameSchema, username: usernameSchema });

export type LoginInput = z.infer<typeof loginInput>;
export type ChangePasswordInput = z.infer<typeof changePasswordInput>;
export type UserCreateInput = z.infer<typeof userCreateInput>;
export type UserUpdateInput = z.infer<typeof userUpdateInput>;
export type GroupCreateInput = z.infer<typeof groupCreateInput>;
export type GroupUpdateInput = z.infer<typeof groupUpdateInput>;
