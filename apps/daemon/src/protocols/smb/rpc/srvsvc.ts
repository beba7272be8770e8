/**
 * The srvsvc interface ([MS-SRVS] §3.1.4) on the `\PIPE\srvsvc` named pipe: share enumeration
 * (NetrShareEnum, opnum 15 — Samba calls it NetShareEnumAll), NetrShareGetInfo (16) and
 * NetrServerGetInfo (21), which `smbclient -L`, `net view` and file browsers ask. Levels 0 and 1
 * of share information, 100 and 101 of server information; others answer ERROR_INVALID_LEVEL.
 */
import { NCA_S_OP_RNG_ERROR, syntaxId } from "./dcerpc.ts";
import { NdrReader, NdrWriter } from "./ndr.ts";
import { RpcFault, type RpcInterface } from "./pipe.ts";

/** [MS-SRVS] §2.2.2.4 share types. */
export const STYPE_DISKTREE = 0x00000000;
export const STYPE_IPC = 0x00000003;
export const STYPE_SPECIAL = 0x80000000;

/** [MS-ERREF] §2.2 Win32 error codes returned as NET_API_STATUS. */
const ERROR_SUCCESS = 0;
const ERROR_INVALID_LEVEL = 0x7c;
/** NERR_NetNameNotFound: the share does not exist. */
const NERR_NET_NAME_NOT_FOUND = 0x906;

/** [MS-SRVS] §2.2.4.41 SERVER_INFO_101: PLATFORM_ID_NT and SV_TYPE_WORKSTATION|SERVER|SERVER_NT. */
const PLATFORM_ID_NT = 500;
const SV_TYPE = 0x00000001 | 0x00000002 | 0x00008000;
const SERVER_VERSION = { major: 6, minor: 1 };

/** At most this many shares in one enumeration (the rest are counted in TotalEntries). */
export const MAX_SHARES_LISTED = 1024;

/** [MS-SRVS] §1.9: 4b324fc8-1670-01d3-1278-5a47bf6ee188 version 3.0. */
export const SRVSVC_SYNTAX = syntaxId("4b324fc8-1670-01d3-1278-5a47bf6ee188", 3, 0);

export interface ShareEntry {
  name: string;
  type: number;
  remark: string;
}

export interface SrvsvcSource {
  serverName: string;
  comment: string;
  /** The shares the caller may see, IPC$ included. */
  shares(): ShareEntry[];
}

/** SHARE_INFO_0 / SHARE_INFO_1 ([MS-SRVS] §2.2.4.22–23): the fixed parts, then the deferred strings. */
function shareInfos(w: NdrWriter, level: number, shares: ShareEntry[]): void {
  for (const s of shares) {
    w.pointer();
    if (level === 1) w.u32(s.type).pointer();
  }
  for (const s of shares) {
    w.string(s.name);
    if (level === 1) w.string(s.remark);
  }
}

/** NetrShareEnum: ServerName, InfoStruct (level, container), PreferedMaximumLength, ResumeHandle. */
function shareEnum(src: SrvsvcSource, stub: Buffer): Buffer {
  const r = new NdrReader(stub);
  r.uniqueString();
  const level = r.u32();
  r.u32(); // union discriminant (switch_is(Level))
  if (r.pointer()) {
    r.u32(); // EntriesRead
    r.pointer(); // Buffer: clients send null; anything there is input-only and ignored
  }
  r.u32(); // PreferedMaximumLength: everything fits one answer (at most MAX_SHARES_LISTED)
  const hasResume = r.pointer();
  if (hasResume) r.u32();
  const all = src.shares();
  const shares = all.slice(0, MAX_SHARES_LISTED);
  const w = new NdrWriter();
  const known = level === 0 || level === 1;
  w.u32(level).u32(level);
  if (known) {
    w.pointer()
      .u32(shares.length)
      .pointer(shares.length > 0);
    if (shares.length > 0) {
      w.u32(shares.length);
      shareInfos(w, level, shares);
    }
  } else w.pointer(false);
  w.u32(known ? all.length : 0);
  w.pointer(hasResume);
  if (hasResume) w.u32(0);
  return w.u32(known ? ERROR_SUCCESS : ERROR_INVALID_LEVEL).finish();
}

/** NetrShareGetInfo: ServerName, NetName ([in, string] ref), Level → SHARE_INFO union. */
function shareGetInfo(src: SrvsvcSource, stub: Buffer): Buffer {
  const r = new NdrReader(stub);
  r.uniqueString();
  const name = r.string();
  const level = r.u32();
  const share = src.shares().find((s) => s.name.toLowerCase() === name.toLowerCase());
  const w = new NdrWriter().u32(level);
  if (level !== 0 && level !== 1) return w.pointer(false).u32(ERROR_INVALID_LEVEL).finish();
  if (!share) return w.pointer(false).u32(NERR_NET_NAME_NOT_FOUND).finish();
  w.pointer();
  shareInfos(w, level, [share]);
  return w.u32(ERROR_SUCCESS).finish();
}

/** NetrServerGetInfo: ServerName, Level → SERVER_INFO_100 / SERVER_INFO_101 ([MS-SRVS] §2.2.4.40–41). */
function serverGetInfo(src: SrvsvcSource, stub: Buffer): Buffer {
  const r = new NdrReader(stub);
  r.uniqueString();
  const level = r.u32();
  const w = new NdrWriter().u32(level);
  if (level !== 100 && level !== 101) return w.pointer(false).u32(ERROR_INVALID_LEVEL).finish();
  w.pointer().u32(PLATFORM_ID_NT).pointer();
  if (level === 101) w.u32(SERVER_VERSION.major).u32(SERVER_VERSION.minor).u32(SV_TYPE).pointer();
  w.string(src.serverName);
  if (level === 101) w.string(src.comment);
  return w.u32(ERROR_SUCCESS).finish();
}

/** Opnum → call ([MS-SRVS] §3.1.4: NetrShareEnum 15, NetrShareGetInfo 16, NetrServerGetInfo 21). */
const CALLS: Readonly<Record<number, (src: SrvsvcSource, stub: Buffer) => Buffer>> = {
  15: shareEnum,
  16: shareGetInfo,
  21: serverGetInfo,
};

export function srvsvc(src: SrvsvcSource): RpcInterface {
  return {
    endpoint: "\\PIPE\\srvsvc",
    syntax: SRVSVC_SYNTAX,
    call(opnum, stub) {
      const call = CALLS[opnum];
      if (!call) throw new RpcFault(NCA_S_OP_RNG_ERROR);
      return call(src, stub);
    },
  };
}
