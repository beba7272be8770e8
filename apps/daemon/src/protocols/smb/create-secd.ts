/**
 * SMB2_CREATE_SD_BUFFER ("SecD", [MS-SMB2] §2.2.13.2.2): the security descriptor a CREATE gives
 * for the file it creates ([MS-FSA] §2.1.5.1.1). Its owner, group and DACL are applied to the
 * created file as a SET_INFO security would (files/security.ts: the DACL stored, the mode its
 * approximation); a descriptor without a DACL leaves the inherited or default one.
 */
import type { OpenResult } from "../../files/open.ts";
import type { SecurityChange } from "../../files/security.ts";
import { treeCall } from "./calls.ts";
import * as C from "./constants.ts";
import type { CreateContext } from "./create-contexts.ts";
import { decodeSecurity, securityChange } from "./info/security.ts";
import type { SmbRequest } from "./request.ts";

const ALL_PARTS = C.OWNER_SECURITY_INFORMATION | C.GROUP_SECURITY_INFORMATION | C.DACL_SECURITY_INFORMATION;

/**
 * The change the SecD context of a CREATE asks for, or null without one; a malformed one fails
 * the CREATE before anything is created (INVALID_PARAMETER).
 */
export function createSecurity(contexts: readonly CreateContext[]): SecurityChange | null {
  const data = contexts.find((x) => x.name === "SecD")?.data;
  if (data === undefined) return null;
  const sd = decodeSecurity(data);
  const change = securityChange(sd, ALL_PARTS);
  if (sd.dacl === undefined) delete change.dacl;
  return change;
}

/** Applies the SecD descriptor to a file this CREATE created, updating `opened.attr`. */
export async function applyCreateSecurity(
  req: SmbRequest,
  opened: OpenResult,
  change: SecurityChange | null,
): Promise<void> {
  if (change === null || opened.action !== "created" || Object.keys(change).length === 0) return;
  const f = treeCall(req.requireTree(), opened.target.handle);
  opened.attr = await req.server.ctx.files.setSecurity(f, change);
}
