import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RpcClient } from "../rpc/client.ts";
import { NFS_PROGRAM, PMAP_PROGRAM, PROC_UNAVAIL } from "../rpc/constants.ts";
import { RpcDispatcher } from "../rpc/dispatcher.ts";
import { RpcServer } from "../rpc/server.ts";
import { IPPROTO_TCP, IPPROTO_UDP, PMAP_V2, PortMap, portmapProgram } from "./program.ts";

let server: RpcServer;
let client: RpcClient;
const map = new PortMap();

beforeAll(async () => {
  const logger = pino({ level: "silent" });
  map.set({ prog: NFS_PROGRAM, vers: 3, prot: IPPROTO_TCP, port: 12049 });
  server = new RpcServer(new RpcDispatcher([portmapProgram(map)], { logger }), {
    host: "127.0.0.1",
    port: 0,
    logger,
  });
  await server.listen();
  client = await RpcClient.connect(server.port);
});

afterAll(async () => {
  client.close();
  await server.close();
});

const mapping =
  (prog: number, vers: number, prot: number, port: number) => (w: import("../xdr/writer.ts").XdrWriter) =>
    w.uint32(prog).uint32(vers).uint32(prot).uint32(port);

describe("embedded portmapper (RFC 1833 PMAP v2)", () => {
  it("answers NULL", async () => {
    const r = await client.call(PMAP_PROGRAM, PMAP_V2, 0, () => {});
    expect(r.remaining).toBe(0);
  });

  it("GETPORT finds a registered program and 0 for an unknown one", async () => {
    const r1 = await client.call(PMAP_PROGRAM, PMAP_V2, 3, mapping(NFS_PROGRAM, 3, IPPROTO_TCP, 0));
    expect(r1.uint32()).toBe(12049);
    const r2 = await client.call(PMAP_PROGRAM, PMAP_V2, 3, mapping(NFS_PROGRAM, 3, IPPROTO_UDP, 0));
    expect(r2.uint32()).toBe(0);
  });

  it("SET from loopback registers, refuses a duplicate, UNSET removes, DUMP lists", async () => {
    const set = await client.call(PMAP_PROGRAM, PMAP_V2, 1, mapping(400_000, 1, IPPROTO_TCP, 5555));
    expect(set.bool()).toBe(true);
    const again = await client.call(PMAP_PROGRAM, PMAP_V2, 1, mapping(400_000, 1, IPPROTO_TCP, 5556));
    expect(again.bool()).toBe(false);
    const dump = await client.call(PMAP_PROGRAM, PMAP_V2, 4, () => {});
    const list: number[][] = [];
    while (dump.bool()) list.push([dump.uint32(), dump.uint32(), dump.uint32(), dump.uint32()]);
    expect(list).toContainEqual([400_000, 1, IPPROTO_TCP, 5555]);
    expect(list).toContainEqual([NFS_PROGRAM, 3, IPPROTO_TCP, 12049]);
    const unset = await client.call(PMAP_PROGRAM, PMAP_V2, 2, mapping(400_000, 1, 0, 0));
    expect(unset.bool()).toBe(true);
    const gone = await client.call(PMAP_PROGRAM, PMAP_V2, 3, mapping(400_000, 1, IPPROTO_TCP, 0));
    expect(gone.uint32()).toBe(0);
  });

  it("does not offer CALLIT", async () => {
    const { header } = await client.callRaw(PMAP_PROGRAM, PMAP_V2, 5, () => {});
    expect(header.stat).toBe(PROC_UNAVAIL);
  });
});
