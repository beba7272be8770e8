/**
 * Procedure-test harness: the NFS server of testing/server.ts on memory stores plus a typed
 * client with `/export` mounted. Each call goes through the same decode/dispatch/encode path a
 * remote client exercises.
 */
import type { ShareInfo } from "../../../domain/share.ts";
import { NfsClient, ok } from "./nfs-client.ts";
import { type NfsServer, type NfsServerOptions, startNfsServer } from "./server.ts";

export interface NfsHarness extends NfsServer {
  client: NfsClient;
  /** Root handle of the first share, obtained through MOUNT. */
  root: Buffer;
}

export async function startHarness(opts: NfsServerOptions = {}): Promise<NfsHarness> {
  const server = await startNfsServer(opts);
  const client = await NfsClient.connect(server.port);
  const first: ShareInfo | undefined = opts.shares?.[0];
  const m = await client.mount(first?.name ?? "/export");
  if (m.fh === null) throw new Error(`mount failed: ${m.status}`);
  return {
    ...server,
    client,
    root: m.fh,
    async stop() {
      client.close();
      await server.stop();
    },
  };
}

/** Creates a file with content through NFS and returns its handle. */
export async function makeFile(
  c: NfsClient,
  dir: Buffer,
  name: string,
  content = Buffer.alloc(0),
): Promise<Buffer> {
  const fh = ok(await c.create(dir, name, "unchecked", { mode: 0o644 })).fh!;
  if (content.length > 0) ok(await c.write(fh, 0, content, 2));
  return fh;
}
