/**
 * The NFSv4 grace period holds for NLM and SMB locks too (files/locks.ts): after a start with a
 * recorded v4 client (one that held state before a restart), a new NLM lock is answered
 * DENIED_GRACE_PERIOD (blocking or not), as is an NLM TEST (and a v4 LOCKT gets GRACE), and an
 * NLM reclaim is granted; an SMB lock with
 * FAIL_IMMEDIATELY is refused and a blocking one waits (STATUS_PENDING) until the grace period
 * ends — here because the recorded client sent RECLAIM_COMPLETE, so no clock is involved. A new
 * SMB open denying writing is a sharing violation meanwhile (it could refuse a v4 open's reclaim),
 * while a v4 reclaim denying writing is granted; a new v4 OPEN passes the same rule (denying
 * nothing: granted, its LOCK GRACE; creating a file and denying writing: GRACE, nothing created). After it, NLM and SMB lock and open as usual. The NFS adapter (NLM on its port) and the SMB server share one
 * file service, as in the daemon.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryNfs4ClientStore } from "../../apps/daemon/src/domain/nfs4-clients.ts";
import type { ProtocolAdapter } from "../../apps/daemon/src/protocols/adapter.ts";
import { createNfsAdapter } from "../../apps/daemon/src/protocols/nfs/adapter.ts";
import * as n from "../../apps/daemon/src/protocols/nfs/nlm/constants.ts";
import { encodeNlm4Lock, type Nlm4Lock } from "../../apps/daemon/src/protocols/nfs/nlm/types.ts";
import { RpcClient } from "../../apps/daemon/src/protocols/nfs/rpc/client.ts";
import { NLM_PROGRAM } from "../../apps/daemon/src/protocols/nfs/rpc/constants.ts";
import * as k from "../../apps/daemon/src/protocols/nfs/v4/constants.ts";
import {
  Nfs4Client,
  type OpArg,
  op,
  ROOT,
  readOpenResult,
  res,
} from "../../apps/daemon/src/protocols/nfs/v4/testing/client.ts";
import * as C from "../../apps/daemon/src/protocols/smb/constants.ts";
import * as S from "../../apps/daemon/src/protocols/smb/ntstatus.ts";
import { closeBody, createBody, lockBody, open } from "../../apps/daemon/src/protocols/smb/testing/bodies.ts";
import { useSmbHarness } from "../../apps/daemon/src/protocols/smb/testing/fixture.ts";

const OWNER = "grace-client";
/** RFC 8881 §18.16.1 OPEN4_SHARE_DENY_WRITE. */
const OPEN4_SHARE_DENY_WRITE = 2;
/** RFC 8881 §18.10.1 nfs_lock_type4 WRITE_LT. */
const WRITE_LT = 2;

/** OPEN CLAIM_PREVIOUS of the current file for reading and writing, denying writing. */
function openReclaimDenyWrite(clientId: bigint): OpArg {
  return (w) => {
    w.uint32(k.OP_OPEN).uint32(0).uint32(k.OPEN4_SHARE_ACCESS_BOTH).uint32(OPEN4_SHARE_DENY_WRITE);
    w.uint64(clientId).string("reclaimer").uint32(k.OPEN4_NOCREATE);
    w.uint32(k.CLAIM_PREVIOUS).uint32(k.OPEN_DELEGATE_NONE);
  };
}

describe("the NFSv4 grace period over NLM and SMB locks", () => {
  const smb = useSmbHarness();
  let nfs: ProtocolAdapter;

  beforeAll(async () => {
    // A client this daemon knew before its "restart": its record starts a grace period.
    const records = new MemoryNfs4ClientStore();
    await records.put({
      owner: Buffer.from(OWNER),
      clientId: 7n,
      verifier: Buffer.alloc(8, 1),
      principal: "unix:0",
      minorVersion: 1,
      confirmed: true,
      reclaimComplete: false,
    });
    nfs = createNfsAdapter({ host: "127.0.0.1", port: 0 }, { ...smb.h.ctx, nfs4Clients: records });
    await nfs.serve();
  });

  afterAll(async () => {
    await nfs?.stop();
  });

  it("refuses new NLM locks and tests and v4 LOCKT, grants NLM reclaims, holds SMB locks until RECLAIM_COMPLETE", async () => {
    const c = await smb.login();
    const f = await open(c, "graced");
    const v4 = await Nfs4Client.connect(nfs.port);
    const rpc = await RpcClient.connect(nfs.port);
    try {
      await v4.createSession(OWNER);
      const fh = await v4.walk("/export/graced");
      const nlmLock = async (offset: bigint, o: { block?: boolean; reclaim?: boolean } = {}) => {
        const l: Nlm4Lock = { callerName: "hostA", fh, oh: Buffer.from("oh"), svid: 1, offset, len: 10n };
        const r = await rpc.call(
          NLM_PROGRAM,
          n.NLM_V4,
          n.NLMPROC4_LOCK,
          (w) => {
            w.opaque(Buffer.from("ck"))
              .bool(o.block ?? false)
              .bool(true);
            encodeNlm4Lock(w, l);
            w.bool(o.reclaim ?? false).int32(1);
          },
          ROOT,
        );
        r.opaque(64);
        return r.uint32();
      };
      const smbLock = (offset: bigint, flags: number) =>
        c.send(C.SMB2_LOCK, lockBody(f, [{ offset, length: 1n, flags }]));

      const nlmTest = async () => {
        const l: Nlm4Lock = { callerName: "hostB", fh, oh: Buffer.from("ot"), svid: 2, offset: 0n, len: 1n };
        const r = await rpc.call(
          NLM_PROGRAM,
          n.NLM_V4,
          n.NLMPROC4_TEST,
          (w) => {
            w.opaque(Buffer.from("t")).bool(true);
            encodeNlm4Lock(w, l);
          },
          ROOT,
        );
        r.opaque(64);
        return r.uint32();
      };
      const lockt = async () => {
        const rep = await v4.call([
          op.putfh(fh),
          (w) => w.uint32(k.OP_LOCKT).uint32(2).uint64(0n).uint64(1n).uint64(v4.clientId).string("t"),
        ]);
        return rep.status;
      };

      expect(await nlmTest()).toBe(n.NLM4_DENIED_GRACE_PERIOD);
      expect(await lockt()).toBe(k.NFS4ERR_GRACE);
      expect(await nlmLock(0n)).toBe(n.NLM4_DENIED_GRACE_PERIOD);
      expect(await nlmLock(0n, { block: true })).toBe(n.NLM4_DENIED_GRACE_PERIOD);
      expect(await nlmLock(0n, { reclaim: true })).toBe(n.NLM4_GRANTED);
      const now = C.SMB2_LOCKFLAG_EXCLUSIVE_LOCK | C.SMB2_LOCKFLAG_FAIL_IMMEDIATELY;
      expect((await smbLock(100n, now)).status).toBe(S.STATUS_LOCK_NOT_GRANTED);

      // Share modes: a new SMB open that denies writing could refuse a v4 open's reclaim still to
      // come, so it is a sharing violation while the period runs; one sharing both opens.
      const denyWrite = { share: C.FILE_SHARE_READ | C.FILE_SHARE_DELETE };
      const refused = await c.send(C.SMB2_CREATE, createBody("graced-modes", denyWrite));
      expect(refused.status).toBe(S.STATUS_SHARING_VIOLATION);
      const shared = await open(c, "graced-modes", { share: C.FILE_SHARE_READ | C.FILE_SHARE_WRITE });
      await c.send(C.SMB2_CLOSE, closeBody(shared));
      // An attributes-only open denies nothing, whatever its share mode.
      const attrsOnly = await open(c, "graced-modes", { access: C.FILE_READ_ATTRIBUTES, share: 0 });
      await c.send(C.SMB2_CLOSE, closeBody(attrsOnly));
      // A v4 reclaim (CLAIM_PREVIOUS) that denies writing is what the period keeps room for.
      const modesFh = await v4.walk("/export/graced-modes");
      const reclaimed = await v4.call([op.putfh(modesFh), openReclaimDenyWrite(v4.clientId)]);
      expect(reclaimed.status).toBe(k.NFS4_OK);
      res(reclaimed.r, k.OP_PUTFH);
      res(reclaimed.r, k.OP_OPEN);
      const reclaimedOpen = readOpenResult(reclaimed.r);
      expect((await v4.call([op.putfh(modesFh), op.close(reclaimedOpen)])).status).toBe(k.NFS4_OK);

      // A new v4 OPEN passes the same grace rule as an SMB open (files/locks.ts): one denying
      // nothing is granted, though its LOCK waits like any new lock (GRACE); one that would create
      // a file denying writing gets GRACE before anything is created.
      const exportFh = await v4.walk("/export");
      const newcomer = { clientId: v4.clientId, owner: "newcomer" };
      const plain = await v4.call([op.putfh(exportFh), op.open("graced", newcomer)]);
      expect(plain.status).toBe(k.NFS4_OK);
      res(plain.r, k.OP_PUTFH);
      res(plain.r, k.OP_OPEN);
      const plainOpen = readOpenResult(plain.r);
      const newLock = await v4.call([op.putfh(fh), op.lock(WRITE_LT, 0n, 1n, plainOpen, "newcomer-lock")]);
      expect(newLock.status).toBe(k.NFS4ERR_GRACE);
      expect((await v4.call([op.putfh(fh), op.close(plainOpen)])).status).toBe(k.NFS4_OK);
      const denying4 = { ...newcomer, create: true, deny: OPEN4_SHARE_DENY_WRITE };
      const created = await v4.call([op.putfh(exportFh), op.open("graced-new", denying4)]);
      expect(created.status).toBe(k.NFS4ERR_GRACE);
      const looked = await v4.call([op.putfh(exportFh), op.lookup("graced-new")]);
      expect(looked.status).toBe(k.NFS4ERR_NOENT);

      // A blocking SMB lock goes async and waits for the end of the grace period.
      const pending = c.interim.length;
      const waited = smbLock(100n, C.SMB2_LOCKFLAG_EXCLUSIVE_LOCK);
      while (c.interim.length === pending) await new Promise((r) => setTimeout(r, 10));
      expect(c.interim.at(-1)?.status).toBe(S.STATUS_PENDING);
      const rc = await v4.call([(w) => w.uint32(k.OP_RECLAIM_COMPLETE).bool(false)]);
      expect(rc.status).toBe(k.NFS4_OK);
      expect((await waited).status).toBe(0);

      // Over: NLM locks as usual, and the SMB lock it waited for is held.
      expect(await nlmLock(20n)).toBe(n.NLM4_GRANTED);
      expect(await nlmLock(95n)).toBe(n.NLM4_DENIED);
      expect(await nlmTest()).toBe(n.NLM4_DENIED);
      expect(await lockt()).toBe(k.NFS4ERR_DENIED);
      const denying = await open(c, "graced-modes", denyWrite);
      await c.send(C.SMB2_CLOSE, closeBody(denying));
      await c.send(C.SMB2_CLOSE, closeBody(f));
    } finally {
      v4.close();
      rpc.close();
    }
  });
});
