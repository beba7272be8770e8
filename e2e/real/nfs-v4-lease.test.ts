/**
 * NFSv4 leases on the real daemon (issue 14 "Leases", RFC 8881 §8.3): a v4.1 client that opens a
 * file, locks a range and then falls silent (no SEQUENCE, as a client that crashed or lost its
 * network) loses its state after the lease time. createDaemon runs here with SQLite metadata, fs
 * blocks, the bootstrap's /export share and `v4LeaseSeconds` at its minimum (10 s). An SMB client
 * is refused the range while the lease runs; its blocking lock then waits, and is granted only
 * because the lease reaper released the silent client's lock — no sleep or deadline stands in
 * for the expiry. The client's session is gone afterwards, and a file another client removed
 * while the silent client had it open is freed with its state.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../../apps/daemon/src/config/load.ts";
import { createDaemon, type Daemon } from "../../apps/daemon/src/daemon.ts";
import * as a from "../../apps/daemon/src/protocols/nfs/v4/attrs/numbers.ts";
import * as k from "../../apps/daemon/src/protocols/nfs/v4/constants.ts";
import {
  Nfs4Client,
  op,
  readOpenResult,
  res,
} from "../../apps/daemon/src/protocols/nfs/v4/testing/client.ts";
import * as C from "../../apps/daemon/src/protocols/smb/constants.ts";
import * as S from "../../apps/daemon/src/protocols/smb/ntstatus.ts";
import { closeBody, lockBody, open } from "../../apps/daemon/src/protocols/smb/testing/bodies.ts";
import { SmbTestClient } from "../../apps/daemon/src/protocols/smb/testing/smb-client.ts";

const PASSWORD = "lease-Admin-pass1";
const LEASE_SECONDS = 10;
const WRITE_LT = 2;

describe("NFSv4.1 lease expiry on the real daemon", () => {
  let daemon: Daemon;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "nfs-v4-lease-"));
    const config = resolveConfig({
      dataDir: join(dir, "data"),
      http: { listen: "127.0.0.1:0" },
      cache: { size: "64MiB" },
    });
    daemon = await createDaemon(config, {
      logger: pino({ level: process.env.NFS_TEST_LOG ?? "silent" }),
      adapterHost: "127.0.0.1",
      adapterPortOverride: 0,
      env: { DITTOFS_ADMIN_PASSWORD: PASSWORD },
      scrypt: { N: 1024, r: 8, p: 1 },
      print: () => {},
    });
    const nfs = (await daemon.store.listAdapters()).find((x) => x.type === "nfs")!;
    await daemon.store.updateAdapter("nfs", { settings: { ...nfs.settings, v4LeaseSeconds: LEASE_SECONDS } });
    await daemon.start();
  });

  afterAll(async () => {
    await daemon?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("a silent client's lock goes to a waiting SMB client, its session and open file with it", async () => {
    const admin = await daemon.store.getUser("admin");
    const v4 = await Nfs4Client.connect(daemon.runtime.adapterStatus("nfs").port);
    const remover = await Nfs4Client.connect(daemon.runtime.adapterStatus("nfs").port);
    const smb = await SmbTestClient.login(daemon.runtime.adapterStatus("smb").port, "admin", PASSWORD);
    try {
      for (const c of [v4, remover]) {
        c.auth = { stamp: 0, machineName: "lease", uid: admin.uid, gid: admin.gid, gids: [] };
        await c.createSession();
      }
      const root = await v4.walk("/export");
      const opened = async (name: string) => {
        const o = await v4.call([op.putfh(root), op.open(name, { create: true }), op.getfh()]);
        expect(o.status).toBe(k.NFS4_OK);
        res(o.r, k.OP_PUTFH);
        res(o.r, k.OP_OPEN);
        const stateid = readOpenResult(o.r);
        res(o.r, k.OP_GETFH);
        return { stateid, fh: Buffer.from(o.r.opaque(128)) };
      };
      const locked = await opened("locked");
      const lk = await v4.call([op.putfh(locked.fh), op.lock(WRITE_LT, 0n, 100n, locked.stateid, "silent")]);
      expect(lk.status).toBe(k.NFS4_OK);
      // A file the silent client keeps open while another client removes its name.
      const doomed = await opened("doomed");
      const w = await v4.call([op.putfh(doomed.fh), op.write(doomed.stateid, 0, Buffer.from("kept"))]);
      expect(w.status).toBe(k.NFS4_OK);
      expect((await remover.call([op.putfh(root), op.remove("doomed")])).status).toBe(k.NFS4_OK);
      // v4.0 PUTFH + GETATTR needs no client state: it asks whether the file still exists.
      const exists = async () =>
        (await remover.compound(0, [op.putfh(doomed.fh), op.getattr([a.FATTR4_SIZE])])).status;
      expect(await exists()).toBe(k.NFS4_OK);

      // While the lease runs (renewed just now) the range is refused to SMB.
      expect((await v4.call([])).status).toBe(k.NFS4_OK);
      const f = await open(smb, "locked");
      const now = await smb.send(
        C.SMB2_LOCK,
        lockBody(f, [
          {
            offset: 10n,
            length: 1n,
            flags: C.SMB2_LOCKFLAG_EXCLUSIVE_LOCK | C.SMB2_LOCKFLAG_FAIL_IMMEDIATELY,
          },
        ]),
      );
      expect(now.status).toBe(S.STATUS_LOCK_NOT_GRANTED);

      // The v4 client says nothing more. A blocking SMB lock waits until the reaper frees the range.
      const waited = await smb.send(
        C.SMB2_LOCK,
        lockBody(f, [{ offset: 10n, length: 1n, flags: C.SMB2_LOCKFLAG_EXCLUSIVE_LOCK }]),
      );
      expect(waited.status).toBe(0);
      await smb.send(C.SMB2_CLOSE, closeBody(f));

      // Its state is gone: the session is unknown, and the removed file it held open is freed.
      const seq = await v4.compound(1, [v4.sequence()]);
      expect(seq.status).toBe(k.NFS4ERR_BADSESSION);
      expect(await exists()).toBe(k.NFS4ERR_STALE);
    } finally {
      v4.close();
      remover.close();
      smb.close();
    }
  }, 120_000);
});
