/**
 * SMB2_CREATE_SD_BUFFER ("SecD", [MS-SMB2] §2.2.13.2.2): the security descriptor a CREATE gives
 * for the file it creates ([MS-FSA] §2.1.5.1.1). Its DACL goes through the same mapping as SET_INFO
 * security (info/security.ts modeOfDacl) into the new file's mode; a DACL no mode can express
 * leaves the default mode (the file is created, as Samba creates it, without a stored ACL). The
 * owner and group are the creator's: POSIX gives a new file no other.
 */
import type { OpenResult } from "../../files/open.ts";
import type { CreateContext } from "./create-contexts.ts";
import { DaclNotRepresentable, modeOfDacl } from "./info/security.ts";
import { STATUS_INVALID_PARAMETER } from "./ntstatus.ts";
import type { SmbRequest } from "./request.ts";
import { treeCall } from "./state.ts";
import { SmbError } from "./status.ts";

/**
 * The SecD descriptor of a CREATE, or null without one; a malformed one fails the CREATE before
 * anything is created (INVALID_PARAMETER).
 */
export function createSecurity(contexts: readonly CreateContext[]): Buffer | null {
  const sd = contexts.find((x) => x.name === "SecD")?.data ?? null;
  if (sd !== null) daclMode(sd, { uid: 0, gid: 0, mode: 0 });
  return sd;
}

/** The mode the descriptor's DACL gives a file owned as `attr`, or null to keep its mode. */
function daclMode(sd: Buffer, attr: { uid: number; gid: number; mode: number }): number | null {
  try {
    return modeOfDacl(sd, { uid: attr.uid, gid: attr.gid }, attr.mode);
  } catch (e) {
    if (e instanceof DaclNotRepresentable) return null;
    throw new SmbError(STATUS_INVALID_PARAMETER, "SecD");
  }
}

/** Applies the SecD DACL to a file this CREATE created, updating `opened.attr`. */
export async function applyCreateSecurity(
  req: SmbRequest,
  opened: OpenResult,
  sd: Buffer | null,
): Promise<void> {
  if (sd === null || opened.action !== "created") return;
  const mode = daclMode(sd, opened.attr);
  if (mode === null || mode === opened.attr.mode) return;
  const f = treeCall(req.requireTree(), opened.target.handle);
  opened.attr = (await req.server.ctx.files.setattr(f, { attrs: { mode } })).after;
}
