/** Vitest glue for NFSv4 operation tests: one server per test file and a client with a v4.1 session. */
import { afterAll, beforeAll } from "vitest";
import { type NfsServer, type NfsServerOptions, startNfsServer } from "../../testing/server.ts";
import { Nfs4Client } from "./client.ts";

export interface Nfs4Harness {
  server: NfsServer;
  /** A client with a v4.1 session. */
  client: Nfs4Client;
  /** The root handle of /export, walked from PUTROOTFH. */
  root: Buffer;
}

export function useNfs4(opts: NfsServerOptions = {}): () => Nfs4Harness {
  let h: Nfs4Harness | undefined;
  beforeAll(async () => {
    const server = await startNfsServer(opts);
    const client = await Nfs4Client.connect(server.port);
    await client.createSession();
    h = { server, client, root: await client.walk("/export") };
  });
  afterAll(async () => {
    h?.client.close();
    await h?.server.stop();
  });
  return () => {
    if (!h) throw new Error("harness not started");
    return h;
  };
}
