/**
 * The NFSv4 operation table (RFC 8881 §18, RFC 7530 §16, RFC 7862 §15), by operation number.
 * An operation number of the minor version that is not here answers NFS4ERR_NOTSUPP (OPENATTR,
 * delegations, pNFS, LOCK/LOCKT/LOCKU until the locking module registers them, v4.2 SEEK/
 * ALLOCATE/DEALLOCATE without payload hole support); one past the version's last is OP_ILLEGAL.
 */
import type { AnyOp } from "../op.ts";
import { access } from "./access.ts";
import { bindConnToSession } from "./bind-conn-to-session.ts";
import { close } from "./close.ts";
import { commit } from "./commit.ts";
import { create } from "./create.ts";
import { createSession } from "./create-session.ts";
import { destroyClientId } from "./destroy-clientid.ts";
import { destroySession } from "./destroy-session.ts";
import { exchangeId } from "./exchange-id.ts";
import { freeStateid } from "./free-stateid.ts";
import { getattr } from "./getattr.ts";
import { getfh } from "./getfh.ts";
import { link } from "./link.ts";
import { lookup } from "./lookup.ts";
import { lookupp } from "./lookupp.ts";
import { open } from "./open.ts";
import { openConfirm } from "./open-confirm.ts";
import { putfh } from "./putfh.ts";
import { putpubfh } from "./putpubfh.ts";
import { putrootfh } from "./putrootfh.ts";
import { read } from "./read.ts";
import { readdir } from "./readdir.ts";
import { readlink } from "./readlink.ts";
import { reclaimComplete } from "./reclaim-complete.ts";
import { remove } from "./remove.ts";
import { rename } from "./rename.ts";
import { renew } from "./renew.ts";
import { restorefh } from "./restorefh.ts";
import { savefh } from "./savefh.ts";
import { secinfo } from "./secinfo.ts";
import { secinfoNoName } from "./secinfo-no-name.ts";
import { sequence } from "./sequence.ts";
import { setattr } from "./setattr.ts";
import { setclientid } from "./setclientid.ts";
import { setclientidConfirm } from "./setclientid-confirm.ts";
import { testStateid } from "./test-stateid.ts";
import { write } from "./write.ts";

export const NFS4_OPS: readonly AnyOp[] = [
  access,
  close,
  commit,
  create,
  getattr,
  getfh,
  link,
  lookup,
  lookupp,
  open,
  openConfirm,
  putfh,
  putpubfh,
  putrootfh,
  read,
  readdir,
  readlink,
  remove,
  rename,
  renew,
  restorefh,
  savefh,
  secinfo,
  setattr,
  setclientid,
  setclientidConfirm,
  write,
  bindConnToSession,
  exchangeId,
  createSession,
  destroySession,
  freeStateid,
  secinfoNoName,
  sequence,
  testStateid,
  destroyClientId,
  reclaimComplete,
];

/** The table by operation number; `extra` adds operations built elsewhere (locking). */
export function nfs4OpTable(extra: readonly AnyOp[] = []): ReadonlyMap<number, AnyOp> {
  const m = new Map<number, AnyOp>();
  for (const op of [...NFS4_OPS, ...extra]) {
    if (m.has(op.op)) throw new Error(`duplicate NFSv4 operation ${op.op} (${op.name})`);
    m.set(op.op, op);
  }
  return m;
}
