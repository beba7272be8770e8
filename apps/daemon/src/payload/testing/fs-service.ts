/**
 * A payload service on an fs block store under `dir` (blocks in `<dir>/blocks`) wrapped in a
 * FaultyBlockStore that counts store calls, for the write-once and write-behind tests. Its uploads
 * get no idle or eager help: what is stored when a COMMIT returns, the COMMIT stored. A second
 * service on the same directory stands for a restart after a crash.
 */
import path from "node:path";
import pino from "pino";
import { FsBlockStore } from "../block-store/fs.ts";
import { DefaultPayloadService } from "../service.ts";
import { FaultyBlockStore } from "./faulty-store.ts";

export async function openFsService(
  dir: string,
  share: string,
  walDir: string,
  cacheSizeBytes: number,
  storeOpts?: ConstructorParameters<typeof FsBlockStore>[1],
): Promise<{ svc: DefaultPayloadService; store: FaultyBlockStore }> {
  const store = new FaultyBlockStore(await new FsBlockStore(path.join(dir, "blocks"), storeOpts).open());
  const svc = new DefaultPayloadService({
    logger: pino({ level: "silent" }),
    cacheSizeBytes,
    walDir,
    transferConcurrency: 2,
    walSegmentBytesMax: 1024 * 1024,
    idleUploadMs: 60_000,
  });
  await svc.addShare(share, store);
  return { svc, store };
}
