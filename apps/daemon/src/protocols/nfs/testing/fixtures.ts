/** Vitest glue for procedure tests: one harness per test file, unique names per test. */
import { afterAll, beforeAll } from "vitest";
import { type NfsHarness, startHarness } from "./harness.ts";
import type { NfsServerOptions } from "./server.ts";

export function useHarness(opts: NfsServerOptions = {}): () => NfsHarness {
  let h: NfsHarness | undefined;
  beforeAll(async () => {
    h = await startHarness(opts);
  });
  afterAll(async () => {
    await h?.stop();
  });
  return () => {
    if (!h) throw new Error("harness not started");
    return h;
  };
}

let counter = 0;
/** A name unique within the test run. */
export function uniq(prefix = "n"): string {
  counter++;
  return `${prefix}-${counter}-${process.pid}`;
}

/** A handle that decodes as nothing the service knows: same length as a real one, wrong bytes. */
export function garbageHandle(like: Buffer): Buffer {
  return Buffer.alloc(like.length, 0xee);
}
