/**
 * RFC 8881 §18.35 EXCHANGE_ID: a v4.1+ client introduces itself (co_ownerid, co_verifier) and
 * gets a clientid to create sessions with. No state protection beyond SP4_NONE (AUTH_SYS
 * clients ask for nothing else), no pNFS: the server answers USE_NON_PNFS.
 */
import { XdrError, type XdrReader } from "../../xdr/reader.ts";
import {
  EXCHGID4_FLAG_CONFIRMED_R,
  EXCHGID4_FLAG_USE_NON_PNFS,
  NFS4_OPAQUE_LIMIT,
  NFS4ERR_ENCR_ALG_UNSUPP,
  NFS4ERR_INVAL,
  OP_EXCHANGE_ID,
  SP4_MACH_CRED,
  SP4_NONE,
  SP4_SSV,
} from "../constants.ts";
import { defineOp } from "../op.ts";
import { Nfs4Error } from "../status.ts";
import { type ClientOwner4, decodeBitmap, decodeClientOwner, encodeTime } from "../types.ts";

interface ExchangeIdArgs extends ClientOwner4 {
  flags: number;
  protect: number;
}

/** The flags a client may send (RFC 8881 §18.35.3); others are INVAL. */
const CLIENT_FLAGS = 0x1 | 0x2 | 0x100 | 0x10000 | 0x20000 | 0x40000 | 0x40000000;
/** Implementation ids a client may send (nfs_impl_id4<1>). */
const IMPL_IDS_MAX = 1;

function skipImplId(r: XdrReader): void {
  r.opaque(NFS4_OPAQUE_LIMIT);
  r.opaque(NFS4_OPAQUE_LIMIT);
  r.int64();
  r.uint32();
}

/** state_protect4_a: SP4_NONE, or SP4_MACH_CRED's two bitmaps; SP4_SSV is refused at run. */
function decodeProtect(r: XdrReader): number {
  const how = r.uint32();
  if (how === SP4_MACH_CRED) {
    decodeBitmap(r);
    decodeBitmap(r);
  } else if (how !== SP4_NONE && how !== SP4_SSV) throw new XdrError(`bad state_protect_how4 ${how}`);
  return how;
}

export const exchangeId = defineOp<ExchangeIdArgs>({
  op: OP_EXCHANGE_ID,
  name: "EXCHANGE_ID",
  since: 1,
  decode(r) {
    const { verifier, owner } = decodeClientOwner(r);
    const flags = r.uint32();
    const protect = decodeProtect(r);
    // SP4_SSV arguments are not decoded: the operation fails before they matter.
    if (protect !== SP4_SSV) r.array(IMPL_IDS_MAX, skipImplId);
    return { verifier, owner, flags, protect };
  },
  async run(c, a) {
    if ((a.flags & ~CLIENT_FLAGS) !== 0) throw new Nfs4Error(NFS4ERR_INVAL, "exchange_id flags");
    if (a.protect === SP4_SSV) throw new Nfs4Error(NFS4ERR_ENCR_ALG_UNSUPP);
    const { state } = c.env;
    const client = state.introduce({ ...a, minor: c.minor }, c.call);
    const flags = EXCHGID4_FLAG_USE_NON_PNFS | (client.confirmed ? EXCHGID4_FLAG_CONFIRMED_R : 0);
    return (w) => {
      w.uint64(client.clientId)
        .uint32(client.createSeq)
        .uint32(flags >>> 0);
      w.uint32(SP4_NONE);
      // server_owner4: minor id, major id; server_scope; one nfs_impl_id4.
      w.uint64(0).opaque(state.serverOwner).opaque(state.serverOwner);
      w.uint32(1).string("dittofs.dev").string("DittoFS");
      encodeTime(w, c.env.started);
    };
  },
});
