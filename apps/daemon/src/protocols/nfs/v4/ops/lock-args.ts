/**
 * What the locking operations share (RFC 8881 §18.10–18.12): lock_owner4, nfs_lock_type4 and
 * offset/length on the wire, LOCK4denied in a DENIED result, the lock-owner's client.
 */
import type { XdrReader } from "../../xdr/reader.ts";
import type { XdrWriter } from "../../xdr/writer.ts";
import { NFS4_OPAQUE_LIMIT, NFS4ERR_DENIED } from "../constants.ts";
import type { Compound } from "../op.ts";
import type { LockDenied, LockOwner4, LockRequest4 } from "../state/locks.ts";
import { Nfs4Error } from "../status.ts";
import { decodeEnum } from "../types.ts";

/** nfs_lock_type4 (RFC 8881 §3.3.9): the W forms ask to wait; this server never blocks. */
const READ_LT = 1;
const WRITE_LT = 2;
const READW_LT = 3;
const WRITEW_LT = 4;

export function decodeLockType(r: XdrReader): boolean {
  const t = decodeEnum(r, [READ_LT, WRITE_LT, READW_LT, WRITEW_LT], "nfs_lock_type4");
  return t === WRITE_LT || t === WRITEW_LT;
}

export function decodeLockOwner(r: XdrReader): LockOwner4 {
  return { clientId: r.uint64(), owner: r.opaque(NFS4_OPAQUE_LIMIT) };
}

export function decodeRange(r: XdrReader, exclusive: boolean): LockRequest4 {
  return { exclusive, offset: r.uint64(), length: r.uint64() };
}

/** v4.1 takes the client from the session (lock_owner4.clientid is ignored, RFC 8881 §18.10.3). */
export function ownerOf(c: Compound, o: LockOwner4): LockOwner4 {
  if (c.session !== null) return { clientId: c.session.client.clientId, owner: o.owner };
  c.env.state.renew(o.clientId);
  return o;
}

/** NFS4ERR_DENIED with its LOCK4denied body. */
export function deniedError(d: LockDenied): Nfs4Error {
  return new Nfs4Error(NFS4ERR_DENIED, "lock conflict", (w: XdrWriter) => {
    w.uint64(d.offset)
      .uint64(d.length)
      .uint32(d.exclusive ? WRITE_LT : READ_LT);
    w.uint64(d.owner.clientId).opaque(d.owner.owner);
  });
}
