/**
 * s3rver 3.7.1 (npm, installed at the repo root) as an S3 API peer: its own Node process on a
 * free 127.0.0.1 port, objects in a temp dir, stopped by PID.
 *
 * It runs in a child process with `--openssl-legacy-provider` because s3rver signs ListObjectsV2
 * continuation tokens with DES. Caveats found on this machine (use `clientConfig()` to get the
 * first two right):
 * - Streaming PutObject bodies are stored *with* the aws-chunked framing (corrupt) unless the
 *   client sets `requestChecksumCalculation: "WHEN_REQUIRED"` (and the response side likewise).
 * - Always `forcePathStyle: true` with a custom endpoint.
 * - Suffix ranges (`bytes=-500`) are answered wrongly; AbortMultipartUpload is not implemented
 *   (405).
 *
 *   const s3 = await startS3rver();
 *   await s3.createBucket("blocks");
 *   const client = new S3Client(s3.clientConfig());
 *   await s3.stop();
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { freePort } from "./ports.ts";
import { exited, stopPid, track, untrack, waitForPorts } from "./process.ts";

/** s3rver's built-in account. */
const S3RVER_ACCESS_KEY_ID = "S3RVER";
const S3RVER_SECRET_ACCESS_KEY = "S3RVER";
const REGION = "us-east-1";
const STDERR_MAX_CHARS = 64 * 1024;

export interface S3ClientSettings {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  forcePathStyle: true;
  requestChecksumCalculation: "WHEN_REQUIRED";
  responseChecksumValidation: "WHEN_REQUIRED";
}

export interface S3rverPeer {
  /** e.g. http://127.0.0.1:40123 */
  endpoint: string;
  port: number;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Settings for `new S3Client(...)` that avoid s3rver's pitfalls. */
  clientConfig(): S3ClientSettings;
  /** Creates a bucket through the S3 API (CreateBucket). */
  createBucket(name: string): Promise<void>;
  /** Object data lives here (one directory per bucket). */
  dir: string;
  pid: number;
  stop(): Promise<void>;
}

function s3rverBin(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("s3rver/package.json")), "bin", "s3rver.js");
}

export async function startS3rver(opts: { startTimeoutMs?: number } = {}): Promise<S3rverPeer> {
  const dir = mkdtempSync(join(tmpdir(), "dittofs-s3rver-"));
  const port = await freePort();
  const args = [
    "--openssl-legacy-provider",
    s3rverBin(),
    "-d",
    dir,
    "-a",
    "127.0.0.1",
    "-p",
    String(port),
    "-s",
  ];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
  if (child.pid !== undefined) track(child.pid, { group: false, dir });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (s: string) => {
    if (stderr.length < STDERR_MAX_CHARS) stderr += s;
  });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child.pid !== undefined) await stopPid(child.pid);
    await exited(child);
    if (child.pid !== undefined) untrack(child.pid);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPorts([port], child, "s3rver", () => stderr, opts.startTimeoutMs);
  } catch (e) {
    await stop();
    throw e;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const clientConfig = (): S3ClientSettings => ({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: S3RVER_SECRET_ACCESS_KEY },
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const createBucket = async (name: string): Promise<void> => {
    const { S3Client, CreateBucketCommand } = await import("@aws-sdk/client-s3");
    const client = new S3Client(clientConfig());
    try {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    } finally {
      client.destroy();
    }
  };
  return {
    endpoint,
    port,
    region: REGION,
    accessKeyId: S3RVER_ACCESS_KEY_ID,
    secretAccessKey: S3RVER_SECRET_ACCESS_KEY,
    clientConfig,
    createBucket,
    dir,
    pid: child.pid as number,
    stop,
  };
}
