/**
 * Test support: a real DefaultPayloadService with no WAL and in-memory block stores, one per
 * share name — what metadata tests need to exercise REMOVE/SETATTR(size) through the payload.
 */
import type pino from "pino";
import { MemoryBlockStore } from "../../payload/block-store/memory.ts";
import { DefaultPayloadService } from "../../payload/service.ts";

/** Cache large enough that no metadata test ever waits for eviction. */
const TEST_CACHE_BYTES = 1 << 24;

export async function memoryPayload(
  logger: pino.Logger,
  shares: readonly string[],
): Promise<DefaultPayloadService> {
  const payload = new DefaultPayloadService({
    logger,
    cacheSizeBytes: TEST_CACHE_BYTES,
    walDir: null,
    transferConcurrency: 1,
  });
  for (const name of shares) await payload.addShare(name, new MemoryBlockStore());
  return payload;
}
