import { describe, expect, it } from "vitest";
import { MemoryClientRegistry } from "../../../../runtime/clients.ts";
import * as k from "../constants.ts";
import { ANONYMOUS_STATEID, Nfs4Client, op } from "../testing/client.ts";
import { useNfs4 } from "../testing/harness.ts";
import { Nfs4State } from "./state.ts";

const h = useNfs4();

describe("NFSv4 clients in the connected-clients list", () => {
  it("lists a v4.1 client from CREATE_SESSION, counts its READ/WRITE, drops it at DESTROY_CLIENTID", async () => {
    const { server, root } = h();
    const listed = () => server.ctx.clients.list().filter((c) => c.protocol === "nfs4.1");
    const before = listed().length;
    const c = await Nfs4Client.connect(server.port);
    try {
      await c.createSession("owner-listed");
      expect(listed()).toHaveLength(before + 1);
      const data = Buffer.alloc(3000, 7);
      const name = `listed-${process.pid}`;
      const made = await c.call([op.putfh(root), op.open(name, { create: true })]);
      expect(made.status).toBe(k.NFS4_OK);
      const w = await c.call([op.putfh(root), op.lookup(name), op.write(ANONYMOUS_STATEID, 0, data)]);
      expect(w.status).toBe(k.NFS4_OK);
      const r = await c.call([op.putfh(root), op.lookup(name), op.read(ANONYMOUS_STATEID, 0, 1000)]);
      expect(r.status).toBe(k.NFS4_OK);
      const mine = listed().find((e) => e.share === "/export" && e.traffic.writtenBytes === 3000);
      expect(mine).toMatchObject({ address: expect.stringContaining("127.0.0.1"), disconnectable: false });
      expect(mine?.traffic.readBytes).toBe(1000);

      const id = c.sessionId!;
      expect((await c.compound(1, [(x) => x.uint32(k.OP_DESTROY_SESSION).fixedOpaque(id)])).status).toBe(
        k.NFS4_OK,
      );
      const gone = await c.compound(1, [(x) => x.uint32(k.OP_DESTROY_CLIENTID).uint64(c.clientId)]);
      expect(gone.status).toBe(k.NFS4_OK);
      expect(listed()).toHaveLength(before);
    } finally {
      c.close();
    }
  });

  it("lists a v4.0 client once SETCLIENTID_CONFIRM confirms it", async () => {
    const { server } = h();
    const c = await Nfs4Client.connect(server.port);
    try {
      await c.setClientId40("owner-listed-40");
      expect(server.ctx.clients.list().filter((e) => e.protocol === "nfs4.0")).toHaveLength(1);
    } finally {
      c.close();
    }
  });

  it("shows the last renewal as last active and drops a client whose lease ran out", () => {
    let now = 1_000_000;
    const registry = new MemoryClientRegistry(() => now);
    const state = new Nfs4State({ leaseSeconds: 90, now: () => now, registry });
    const from = { auth: null, remoteAddress: "127.0.0.1" };
    const c = state.introduce({ owner: Buffer.from("x"), verifier: Buffer.alloc(8), minor: 1 }, from);
    expect(registry.list()).toHaveLength(0);
    const attrs = {
      maxRequestSize: 1 << 20,
      maxResponseSize: 1 << 20,
      maxResponseSizeCached: 4096,
      maxOperations: 8,
      maxRequests: 4,
      headerPadSize: 0,
    };
    state.createSession(c.clientId, 1, { fore: attrs, back: attrs, flags: 0 });
    expect(registry.list()).toHaveLength(1);
    now += 60_000;
    state.clients.renew(c);
    expect(registry.list()[0]?.lastActive.getTime()).toBe(now);
    now += 90_001;
    expect(registry.list()).toHaveLength(0);
    // The reaper forgets the record: the entry goes too.
    state.forget(c);
    now -= 90_001;
    expect(registry.list()).toHaveLength(0);
  });
});
