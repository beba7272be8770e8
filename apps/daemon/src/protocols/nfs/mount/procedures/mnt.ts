/**
 * RFC 1813 Appendix I MOUNTPROC3_MNT: checks that the share exists, is exported over NFS and that
 * the caller may use it (FileService.connect), resolves a path below the share root as the caller
 * (FileService.walk; a missing or non-directory component on the way is MNT3ERR_NOENT), records
 * the mount as a connected client and returns the handle with AUTH_SYS as the only flavor.
 */
import { isFsError } from "../../../../domain/errors.ts";
import type { ShareInfo } from "../../../../domain/share.ts";
import type { AdapterContext } from "../../../adapter.ts";
import { AUTH_SYS } from "../../rpc/constants.ts";
import { type CallContext, defineProcedure } from "../../rpc/program.ts";
import * as m from "../constants.ts";
import type { MountEnv } from "./env.ts";

type MntResult = { status: number; fh?: Buffer };

const FS_TO_MNT: Record<string, number> = {
  ENOENT: m.MNT3ERR_NOENT,
  EACCES: m.MNT3ERR_ACCES,
  EPERM: m.MNT3ERR_PERM,
  ENOTDIR: m.MNT3ERR_NOTDIR,
  ENAMETOOLONG: m.MNT3ERR_NAMETOOLONG,
  EINVAL: m.MNT3ERR_INVAL,
};

/** The share whose name is the longest path prefix of `path` ("/export" serves "/export/a"). */
export function shareForPath(shares: ShareInfo[], path: string): { share: ShareInfo; rest: string[] } | null {
  let best: ShareInfo | null = null;
  let bestLen = -1;
  for (const s of shares) {
    const name = s.name.replace(/\/+$/, "");
    const matches = path === name || path.startsWith(`${name}/`) || name === "";
    if (matches && name.length > bestLen) {
      best = s;
      bestLen = name.length;
    }
  }
  if (!best) return null;
  const rest = path
    .slice(bestLen)
    .split("/")
    .filter((p) => p !== "" && p !== ".");
  return { share: best, rest };
}

function userOf(ctx: AdapterContext, call: CallContext): string | null {
  if (!call.auth) return null;
  return ctx.identity.byUid(call.auth.uid)?.username ?? `uid:${call.auth.uid}`;
}

/** The share's access policy (FileService.policy: client list, grant or anonymous policy) is more than none. */
export function mayMount(ctx: AdapterContext, call: CallContext, share: ShareInfo): boolean {
  return ctx.files.policy(share, { peer: peerOf(call) })?.level !== "none";
}

function peerOf(call: CallContext) {
  return { address: call.remoteAddress, uid: call.auth?.uid ?? null };
}

async function mnt({ ctx, mounts }: MountEnv, call: CallContext, path: string): Promise<MntResult> {
  const found = shareForPath(ctx.shares.list(), path);
  if (!found) return { status: m.MNT3ERR_NOENT };
  const { share, rest } = found;
  try {
    const root = ctx.files.connect(call.caller, share.name, { protocol: "nfs", peer: peerOf(call) });
    const { target } = await ctx.files.walk(root, rest);
    if (target === null) return { status: m.MNT3ERR_NOENT };
    if (target.attr.type !== "dir") return { status: m.MNT3ERR_NOTDIR };
    mounts.add(call.remoteAddress, path, share.name, userOf(ctx, call));
    return { status: m.MNT3_OK, fh: target.handle };
  } catch (e) {
    if (isFsError(e)) return { status: FS_TO_MNT[e.code] ?? m.MNT3ERR_SERVERFAULT };
    throw e;
  }
}

export const mntProc = (env: MountEnv) =>
  defineProcedure<string, MntResult>({
    proc: m.MOUNTPROC3_MNT,
    name: "MNT",
    mutates: false,
    idempotent: true,
    needsExport: false,
    decode: (r) => r.string(m.MNTPATHLEN),
    handle: (call, path) => mnt(env, call, path),
    encode(w, r) {
      w.uint32(r.status);
      // mountres3_ok: fhandle3 fhandle, int auth_flavors<>
      if (r.status === m.MNT3_OK) w.opaque(r.fh!).uint32(1).uint32(AUTH_SYS);
    },
  });
