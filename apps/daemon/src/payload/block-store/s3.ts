/**
 * S3 block store (@aws-sdk/client-s3): objects `<prefix><key>` in one bucket. Custom endpoints and
 * path-style addressing for S3-compatible servers; ranged GET for partial reads; multipart upload
 * for puts above MULTIPART_THRESHOLD_BYTES. Checksums are computed only when an API requires them:
 * streaming/flexible checksums wrap bodies in aws-chunked framing that some S3-compatible servers
 * (s3rver among them, docs/architecture.md "S3 peers") store verbatim.
 */
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { FsError } from "../../domain/errors.ts";
import type { BlockStore, BlockStoreHealth } from "../types.ts";
import { assertBlockKey } from "./keys.ts";

/** Puts larger than this go multipart (S3's minimum part is 5 MiB, except the last). */
export const MULTIPART_THRESHOLD_BYTES = 8 * 1024 * 1024;
export const MULTIPART_PART_SIZE_BYTES = 5 * 1024 * 1024;
/** Keys per ListObjectsV2 page. */
const LIST_PAGE_KEYS_MAX = 1000;
/** S3 requests time out after this long (a hung endpoint must not hang uploads forever). */
const REQUEST_TIMEOUT_MS = 30_000;

export interface S3BlockStoreConfig {
  bucket: string;
  region?: string;
  endpoint?: string;
  prefix?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle?: boolean;
}

interface S3ErrorLike {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  message?: string;
}

function isNotFound(e: unknown): boolean {
  const err = e as S3ErrorLike;
  return err.name === "NoSuchKey" || err.name === "NotFound" || err.$metadata?.httpStatusCode === 404;
}

function toFsError(e: unknown, key: string): FsError {
  if (isNotFound(e)) return new FsError("ENOENT", key);
  const err = e as S3ErrorLike;
  return new FsError("EIO", `s3 ${key}: ${err.name ?? ""} ${err.message ?? String(e)}`.trim());
}

export class S3BlockStore implements BlockStore {
  readonly type = "s3";
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(config: S3BlockStoreConfig) {
    this.bucket = config.bucket;
    this.prefix = config.prefix ?? "";
    this.client = new S3Client({
      region: config.region ?? "us-east-1",
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle ?? config.endpoint !== undefined,
      credentials:
        config.accessKeyId !== undefined && config.secretAccessKey !== undefined
          ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey }
          : undefined,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      maxAttempts: 1, // the transfer manager owns retries and backoff
      requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS, connectionTimeout: 5_000 },
    });
  }

  private objectKey(key: string): string {
    assertBlockKey(key);
    return this.prefix + key;
  }

  async put(key: string, data: Buffer): Promise<void> {
    const Key = this.objectKey(key);
    try {
      if (data.length > MULTIPART_THRESHOLD_BYTES) return await this.putMultipart(Key, data);
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: data }));
    } catch (e) {
      throw toFsError(e, key);
    }
  }

  private async putMultipart(Key: string, data: Buffer): Promise<void> {
    const { UploadId } = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key }),
    );
    const parts: { ETag: string | undefined; PartNumber: number }[] = [];
    for (let off = 0, n = 1; off < data.length; off += MULTIPART_PART_SIZE_BYTES, n++) {
      const Body = data.subarray(off, Math.min(data.length, off + MULTIPART_PART_SIZE_BYTES));
      const r = await this.client.send(
        new UploadPartCommand({ Bucket: this.bucket, Key, UploadId, PartNumber: n, Body }),
      );
      parts.push({ ETag: r.ETag, PartNumber: n });
    }
    // An incomplete upload is not aborted on failure: s3rver lacks AbortMultipartUpload (docs/architecture.md "S3 peers");
    // real S3 reclaims them with a lifecycle rule.
    await this.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key,
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
  }

  async get(key: string, offset = 0, length?: number): Promise<Buffer> {
    const Key = this.objectKey(key);
    if (length === 0) return Buffer.alloc(0);
    const ranged = offset > 0 || length !== undefined;
    const Range = ranged ? `bytes=${offset}-${length === undefined ? "" : offset + length - 1}` : undefined;
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key, Range }));
      if (r.Body === undefined) return Buffer.alloc(0);
      const bytes = await r.Body.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (e) {
      // 416: the range starts at or past the end of the object: a short (empty) read.
      if (
        (e as S3ErrorLike).$metadata?.httpStatusCode === 416 ||
        (e as S3ErrorLike).name === "InvalidRange"
      ) {
        return Buffer.alloc(0);
      }
      throw toFsError(e, key);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    } catch (e) {
      if (!isNotFound(e)) throw toFsError(e, key);
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    let ContinuationToken: string | undefined;
    do {
      let r: ListObjectsV2CommandOutput;
      try {
        r = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.prefix + prefix,
            ContinuationToken,
            MaxKeys: LIST_PAGE_KEYS_MAX,
          }),
        );
      } catch (e) {
        throw toFsError(e, prefix);
      }
      for (const o of r.Contents ?? []) if (o.Key !== undefined) yield o.Key.slice(this.prefix.length);
      ContinuationToken = r.IsTruncated === true ? r.NextContinuationToken : undefined;
    } while (ContinuationToken !== undefined);
  }

  async health(): Promise<BlockStoreHealth> {
    const t0 = performance.now();
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return { ok: true, latencyMs: performance.now() - t0 };
    } catch (e) {
      return { ok: false, latencyMs: performance.now() - t0, detail: toFsError(e, this.bucket).message };
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
