import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createNfsAdapter } from "./adapter.ts";
import { IPPROTO_TCP, PMAP_V2, PMAPPROC_GETPORT } from "./portmap/program.ts";
import { RpcClient } from "./rpc/client.ts";
import { MOUNT_PROGRAM, NFS_PROGRAM, NLM_PROGRAM, PMAP_PROGRAM } from "./rpc/constants.ts";
import type { RpcServer } from "./rpc/server.ts";
import { makeFile, startHarness } from "./testing/harness.ts";
import { NfsClient, ok } from "./testing/nfs-client.ts";

describe("NFS adapter lifecycle", () => {
  it("changes the write verifier at every start and keeps the data", async () => {
    const h = await startHarness();
    try {
      const fh = await makeFile(h.client, h.root, "v", Buffer.from("kept"));
      const v1 = ok(await h.client.write(fh, 0, Buffer.from("k"))).verf;
      // Every program's calls are counted under the adapter's protocol, failures apart.
      expect(h.ctx.metrics.ops.get("nfs.WRITE")?.ok).toBeGreaterThan(0);
      expect(h.ctx.metrics.ops.get("nfs.mount.MNT")?.ok).toBe(1);
      await h.client.lookup(h.root, "no-such-name");
      expect(h.ctx.metrics.ops.get("nfs.LOOKUP")?.failed).toBe(1);
      expect(h.adapter.connectionCount()).toBe(1);
      await h.adapter.stop();
      expect(h.adapter.connectionCount()).toBe(0);
      const again = createNfsAdapter({ host: "127.0.0.1", port: 0 }, h.ctx);
      await again.serve();
      const c = await NfsClient.connect(again.port);
      const v2 = ok(await c.write(fh, 0, Buffer.from("k"))).verf;
      expect(v2.equals(v1)).toBe(false);
      expect(ok(await c.read(fh, 0, 10)).data.toString()).toBe("kept");
      c.close();
      await again.stop();
    } finally {
      await h.stop();
    }
  });

  it("with the portmapper on, registers NFS, MOUNT and NLM on the adapter's TCP port", async () => {
    const h = await startHarness({ settings: { portmapper: true, portmapperPort: 0 } });
    try {
      const pmapPort = (h.adapter as unknown as { portmapperPort: number }).portmapperPort;
      expect(pmapPort).toBeGreaterThan(0);
      const pm = await RpcClient.connect(pmapPort);
      for (const [prog, vers] of [
        [NFS_PROGRAM, 3],
        [MOUNT_PROGRAM, 3],
        [NLM_PROGRAM, 4],
        [PMAP_PROGRAM, 2],
      ]) {
        const r = await pm.call(PMAP_PROGRAM, PMAP_V2, PMAPPROC_GETPORT, (w) =>
          w.uint32(prog!).uint32(vers!).uint32(IPPROTO_TCP).uint32(0),
        );
        expect(r.uint32()).toBe(prog === PMAP_PROGRAM ? pmapPort : h.port);
      }
      pm.close();
    } finally {
      await h.stop();
    }
  });

  it("logs a listener error after listen (EMFILE at accept) and keeps serving NFS and the portmapper", async () => {
    const logged: Array<{ msg: string; err?: { code?: string } }> = [];
    const logger = pino({ level: "error" }, { write: (line: string) => logged.push(JSON.parse(line)) });
    const h = await startHarness({ logger, settings: { portmapper: true, portmapperPort: 0 } });
    try {
      const servers = h.adapter as unknown as {
        nfsServer: RpcServer;
        pmapServer: RpcServer;
        portmapperPort: number;
      };
      for (const server of [servers.nfsServer, servers.pmapServer]) {
        // What libuv reports when accept() runs out of descriptors: unheard, an uncaught exception.
        server.listener!.emit("error", Object.assign(new Error("accept EMFILE"), { code: "EMFILE" }));
      }
      const errors = logged.filter((l) => l.msg === "rpc listener error");
      expect(errors.map((l) => l.err?.code)).toEqual(["EMFILE", "EMFILE"]);
      // New connections are still accepted and answered on both listeners.
      const c = await NfsClient.connect(h.port);
      const m = await c.mount("/export");
      expect(m.fh).not.toBeNull();
      expect(ok(await c.getattr(m.fh!)).attr.type).toBe(2); // NF3DIR
      c.close();
      const pm = await RpcClient.connect(servers.portmapperPort);
      const r = await pm.call(PMAP_PROGRAM, PMAP_V2, PMAPPROC_GETPORT, (w) =>
        w.uint32(NFS_PROGRAM).uint32(3).uint32(IPPROTO_TCP).uint32(0),
      );
      expect(r.uint32()).toBe(h.port);
      pm.close();
    } finally {
      await h.stop();
    }
  });

  it("stop() closes client connections and stops listening", async () => {
    const h = await startHarness();
    try {
      const fh = await makeFile(h.client, h.root, "closing");
      await h.adapter.stop();
      await expect(h.client.getattr(fh)).rejects.toThrow();
      await expect(RpcClient.connect(h.port)).rejects.toThrow();
    } finally {
      await h.stop();
    }
  });
});
