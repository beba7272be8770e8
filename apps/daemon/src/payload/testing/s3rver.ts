/**
 * A real S3 API server (s3rver, npm) on 127.0.0.1 for tests and benches, in this process. It can be
 * stopped and started again on the same port and directory to play "S3 is down".
 */
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import S3rver from "s3rver";
import { S3BlockStore } from "../block-store/s3.ts";

export interface TestS3 {
  endpoint: string;
  bucket: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its directory. */
  close(): Promise<void>;
}

export async function startTestS3(bucket = "dittofs-test"): Promise<TestS3> {
  const directory = await mkdtemp(path.join(os.tmpdir(), "dittofs-s3rver-"));
  let server: S3rver | null = null;
  let port = 0;
  const start = async () => {
    if (server !== null) return;
    const s = new S3rver({
      address: "127.0.0.1",
      port,
      silent: true,
      directory,
      configureBuckets: [{ name: bucket }],
    });
    const addr: AddressInfo = await s.run();
    port = addr.port;
    server = s;
  };
  const stop = async () => {
    const s = server;
    server = null;
    if (s !== null) await s.close();
  };
  await start();
  return {
    get endpoint() {
      return `http://127.0.0.1:${port}`;
    },
    bucket,
    get port() {
      return port;
    },
    start,
    stop,
    close: async () => {
      await stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** An S3 block store on the test server's bucket (s3rver accepts any credentials it was given). */
export function testS3BlockStore(s3: TestS3): S3BlockStore {
  return new S3BlockStore({
    bucket: s3.bucket,
    endpoint: s3.endpoint,
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    forcePathStyle: true,
  });
}
