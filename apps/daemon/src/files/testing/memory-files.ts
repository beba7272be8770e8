/**
 * A file service over in-memory metadata and block stores, one share per name, for the file
 * service's own tests (no protocol in between).
 */
import { pino } from "pino";
import { afterAll, beforeAll } from "vitest";
import { DefaultMetadataService } from "../../metadata/service.ts";
import { MemoryMetadataStore } from "../../metadata/stores/memory.ts";
import { MemoryBlockStore } from "../../payload/block-store/memory.ts";
import { DefaultPayloadService } from "../../payload/service.ts";
import { shareInfo } from "../../runtime/testing/adapter-context.ts";
import { FileService } from "../service.ts";

/** Registers beforeAll/afterAll hooks that add `shares` and close the payload service. */
export function useMemoryFiles(...shares: string[]) {
  const logger = pino({ level: "silent" });
  const payload = new DefaultPayloadService({
    logger,
    cacheSizeBytes: 1 << 24,
    walDir: null,
    transferConcurrency: 1,
  });
  const metadata = new DefaultMetadataService({ logger });
  const files = new FileService({ metadata, payload });
  beforeAll(async () => {
    for (const name of shares) {
      await payload.addShare(name, new MemoryBlockStore());
      await metadata.addShare(shareInfo(name), new MemoryMetadataStore());
    }
  });
  afterAll(() => payload.close());
  return { payload, metadata, files };
}
