import { startTestS3 } from "../testing/s3rver.ts";
import { describeBlockStore } from "./conformance.ts";
import { S3BlockStore } from "./s3.ts";

describeBlockStore("s3 (s3rver on loopback)", async () => {
  const s3 = await startTestS3();
  const store = new S3BlockStore({
    bucket: s3.bucket,
    endpoint: s3.endpoint,
    prefix: "conf/",
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    forcePathStyle: true,
  });
  return { store, cleanup: () => s3.close() };
});
