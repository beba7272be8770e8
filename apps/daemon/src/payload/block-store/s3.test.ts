import { startS3rver } from "../../../../../e2e/peers/s3rver.ts";
import { describeBlockStore } from "./conformance.ts";
import { S3BlockStore } from "./s3.ts";

describeBlockStore("s3 (s3rver on loopback)", async () => {
  const s3 = await startS3rver();
  await s3.createBucket("blocks");
  const store = new S3BlockStore({
    bucket: "blocks",
    endpoint: s3.endpoint,
    region: s3.region,
    prefix: "conf/",
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    forcePathStyle: true,
  });
  return { store, cleanup: () => s3.stop() };
});
