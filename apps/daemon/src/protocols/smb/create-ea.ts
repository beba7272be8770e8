/**
 * SMB2_CREATE_EA_BUFFER ("ExtA", [MS-SMB2] §2.2.13.2.1): the EAs a CREATE gives, checked before
 * anything is created and set on a file the CREATE created, overwrote or superseded ([MS-FSA]
 * §2.1.5.1); ignored when it opened an existing one.
 */
import type { OpenResult } from "../../files/open.ts";
import type { NamedAttr } from "../../metadata/named-attr-types.ts";
import { treeCall } from "./calls.ts";
import type { CreateContext } from "./create-contexts.ts";
import { decodeFullEaList } from "./info/ea.ts";
import { STATUS_EA_TOO_LARGE } from "./ntstatus.ts";
import type { SmbRequest } from "./request.ts";
import { withStatus } from "./status.ts";

/** The ExtA list of a CREATE (empty without one); a malformed list fails the CREATE whole. */
export function createEas(contexts: readonly CreateContext[]): NamedAttr[] {
  return decodeFullEaList(contexts.find((x) => x.name === "ExtA")?.data ?? Buffer.alloc(0));
}

export async function applyCreateEas(req: SmbRequest, opened: OpenResult, eas: NamedAttr[]): Promise<void> {
  if (eas.length === 0 || opened.action === "opened") return;
  const f = treeCall(req.requireTree(), opened.target.handle);
  await withStatus({ ENOSPC: STATUS_EA_TOO_LARGE }, () => req.server.ctx.files.setEas(f, eas));
}
