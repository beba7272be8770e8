/** Control-plane users as protocol authentication needs them, and the directory that serves them. */
import type { Permission, Role } from "@dittofs/shared";

/** A control-plane user as protocol authentication needs it. */
export interface Principal {
  username: string;
  uid: number;
  gid: number;
  gids: number[];
  role: Role;
  enabled: boolean;
  /** MD4(UTF-16LE(password)) for NTLM; null until a password is set after NT hashes exist. */
  ntHash: Buffer | null;
}

export interface IdentityDirectory {
  byName(username: string): Principal | undefined;
  byUid(uid: number): Principal | undefined;
  /** The effective permission of a principal on a share (user grant, else best group grant). */
  permission(principal: Principal, shareName: string): Permission;
}
