import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DefaultMetadataService } from "../metadata/service.ts";
import { MemoryMetadataStore } from "../metadata/stores/memory.ts";
import { MemoryBlockStore } from "../payload/block-store/memory.ts";
import { DefaultPayloadService } from "../payload/service.ts";
import { shareInfo } from "../runtime/testing/adapter-context.ts";
import { FileService } from "./service.ts";

const ALICE = { uid: 1001, gid: 1001, gids: [] };

describe("file service SETATTR size and UNCHECKED CREATE: the payload follows a committed size", () => {
  const logger = pino({ level: "silent" });
  const payload = new DefaultPayloadService({
    logger,
    cacheSizeBytes: 1 << 24,
    walDir: null,
    transferConcurrency: 1,
  });
  const metadata = new DefaultMetadataService({ logger, payload });
  const files = new FileService({ metadata, payload });
  beforeAll(async () => {
    await payload.addShare("/export", new MemoryBlockStore());
    await metadata.addShare(shareInfo("/export"), new MemoryMetadataStore());
  });
  afterAll(() => payload.close());

  const root = () => files.resolve(ALICE, metadata.rootHandle("/export"));
  const bytes = async (handle: Buffer) =>
    (await files.read(files.resolve(ALICE, handle), { offset: 0, count: 64 })).data.toString();

  it("cuts and zero-extends the content through SETATTR size", async () => {
    const f = await files.create(root(), "s", {}, { mode: "guarded" });
    const call = files.resolve(ALICE, f.handle);
    await files.write(call, { offset: 0n, data: Buffer.from("hello world"), stability: "unstable" });
    expect((await files.setattr(call, { attrs: { size: 5 } })).after.size).toBe(5);
    await files.setattr(call, { attrs: { size: 11 } });
    expect(await bytes(f.handle)).toBe("hello\0\0\0\0\0\0");
  });

  it("empties an existing file on an UNCHECKED create with size 0", async () => {
    const f = await files.create(root(), "u", {}, { mode: "guarded" });
    await files.write(files.resolve(ALICE, f.handle), {
      offset: 0n,
      data: Buffer.from("hello"),
      stability: "unstable",
    });
    const again = await files.create(root(), "u", { size: 0 }, { mode: "unchecked" });
    expect(again.handle.equals(f.handle)).toBe(true);
    await files.setattr(files.resolve(ALICE, f.handle), { attrs: { size: 5 } });
    expect(await bytes(f.handle)).toBe("\0\0\0\0\0");
  });
});
