/**
 * MOUNT v3 procedures (RFC 1813 Appendix I): NULL, MNT, DUMP, UMNT, UMNTALL, EXPORT. MNT checks
 * that the share exists, is exported over NFS and that the caller may use it, then records the
 * mount as a connected client. A path below a share root is resolved with LOOKUPs as the caller.
 */
import { isFsError } from "../../../errors.ts";
import type { AdapterContext, ShareInfo } from "../../../runtime/types.ts";
import { AUTH_SYS, MOUNT_PROGRAM } from "../rpc/constants.ts";
import type { AnyProcedure, CallContext, RpcProgram } from "../rpc/program.ts";
import { defineProcedure, procedureTable } from "../rpc/program.ts";
import type { XdrWriter } from "../xdr/writer.ts";
import * as m from "./constants.ts";
import type { MountTable } from "./mount-table.ts";

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
  for (const s of shares) {
    const name = s.name.replace(/\/+$/, "");
    if (
      (path === name || path.startsWith(`${name}/`) || name === "") &&
      (!best || name.length > best.name.length)
    ) {
      best = s;
    }
  }
  if (!best) return null;
  const rest = path
    .slice(best.name.replace(/\/+$/, "").length)
    .split("/")
    .filter((p) => p !== "" && p !== ".");
  return { share: best, rest };
}

function userOf(ctx: AdapterContext, call: CallContext): string | null {
  if (!call.auth) return null;
  return ctx.identity.byUid(call.auth.uid)?.username ?? `uid:${call.auth.uid}`;
}

/**
 * A caller known to the control plane needs a permission other than "none" on the share; an
 * unknown uid (e.g. root on a client host) is governed by squash and mode bits in the service.
 */
function mayUse(ctx: AdapterContext, call: CallContext, share: ShareInfo): boolean {
  const p = ctx.identity.byUid(call.caller.uid);
  if (p === undefined) return true;
  return p.enabled && ctx.identity.permission(p, share.name) !== "none";
}

async function mnt(
  ctx: AdapterContext,
  mounts: MountTable,
  call: CallContext,
  path: string,
): Promise<MntResult> {
  const found = shareForPath(ctx.shares.list(), path);
  if (!found) return { status: m.MNT3ERR_NOENT };
  const { share, rest } = found;
  if (!share.protocols.nfs) return { status: m.MNT3ERR_ACCES };
  if (!mayUse(ctx, call, share)) return { status: m.MNT3ERR_ACCES };
  try {
    let fh = ctx.metadata.rootHandle(share.name);
    for (const name of rest) {
      const r = await ctx.metadata.lookup(call.caller, fh, name);
      if (r.attr.type !== "dir") return { status: m.MNT3ERR_NOTDIR };
      fh = r.handle;
    }
    mounts.add(call.remoteAddress, path, share.name, userOf(ctx, call));
    return { status: m.MNT3_OK, fh };
  } catch (e) {
    if (isFsError(e)) return { status: FS_TO_MNT[e.code] ?? m.MNT3ERR_SERVERFAULT };
    throw e;
  }
}

const noArgs = () => null;
const noResult = () => {};

export function mountProgram(ctx: AdapterContext, mounts: MountTable): RpcProgram {
  const procs: AnyProcedure[] = [
    defineProcedure<null, null>({
      proc: m.MOUNTPROC3_NULL,
      name: "NULL",
      mutates: false,
      idempotent: true,
      needsExport: false,
      decode: noArgs,
      handle: async () => null,
      encode: noResult,
    }),
    defineProcedure<string, MntResult>({
      proc: m.MOUNTPROC3_MNT,
      name: "MNT",
      mutates: false,
      idempotent: true,
      needsExport: false,
      decode: (r) => r.string(m.MNTPATHLEN),
      handle: (call, path) => mnt(ctx, mounts, call, path),
      encode(w, r) {
        w.uint32(r.status);
        // mountres3_ok: fhandle3 fhandle, int auth_flavors<>
        if (r.status === m.MNT3_OK) w.opaque(r.fh!).uint32(1).uint32(AUTH_SYS);
      },
    }),
    defineProcedure<null, null>({
      proc: m.MOUNTPROC3_DUMP,
      name: "DUMP",
      mutates: false,
      idempotent: true,
      needsExport: false,
      decode: noArgs,
      handle: async () => null,
      encode(w) {
        for (const e of mounts.list()) w.bool(true).string(e.host).string(e.path);
        w.bool(false);
      },
    }),
    defineProcedure<string, null>({
      proc: m.MOUNTPROC3_UMNT,
      name: "UMNT",
      mutates: false,
      idempotent: true,
      needsExport: false,
      decode: (r) => r.string(m.MNTPATHLEN),
      handle: async (call, path) => {
        mounts.remove(call.remoteAddress, path);
        return null;
      },
      encode: noResult,
    }),
    defineProcedure<null, null>({
      proc: m.MOUNTPROC3_UMNTALL,
      name: "UMNTALL",
      mutates: false,
      idempotent: true,
      needsExport: false,
      decode: noArgs,
      handle: async (call) => {
        mounts.removeHost(call.remoteAddress);
        return null;
      },
      encode: noResult,
    }),
    defineProcedure<null, null>({
      proc: m.MOUNTPROC3_EXPORT,
      name: "EXPORT",
      mutates: false,
      idempotent: true,
      needsExport: false,
      decode: noArgs,
      handle: async () => null,
      encode: (w) => encodeExports(w, ctx.shares.list()),
    }),
  ];
  const table = procedureTable(procs);
  return {
    prog: MOUNT_PROGRAM,
    name: "mount",
    lowVersion: m.MOUNT_V3,
    highVersion: m.MOUNT_V3,
    procedures: (v) => (v === m.MOUNT_V3 ? table : undefined),
  };
}

/** exports: linked list of exportnode { ex_dir, ex_groups (empty: everyone), ex_next }. */
function encodeExports(w: XdrWriter, shares: ShareInfo[]): void {
  for (const s of shares) if (s.protocols.nfs) w.bool(true).string(s.name).bool(false);
  w.bool(false);
}
