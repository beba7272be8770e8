import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ControlError } from "../control/errors.ts";
import { ALICE } from "../metadata/testing/conformance/harness.ts";
import type { Runtime } from "./runtime.ts";
import { runtimeHarness } from "./testing/runtime-harness.ts";

describe("Runtime share updates that would lose data", () => {
  let h: Awaited<ReturnType<typeof runtimeHarness>>;
  let runtime: Runtime;

  beforeAll(async () => {
    h = await runtimeHarness("sqlite");
    ({ runtime } = await h.start());
    await runtime.createMetadataStore({ name: "meta-a", type: "sqlite", config: { path: "meta-a.db" } });
    await runtime.createMetadataStore({ name: "meta-b", type: "memory", config: {} });
    await runtime.createBlockStore({ name: "blocks-a", type: "fs", config: { path: "blocks-a" } });
    await runtime.createBlockStore({ name: "blocks-b", type: "fs", config: { path: "blocks-b" } });
  });
  afterAll(() => h.dispose());

  it("re-points an empty share, and refuses to re-point one that holds files, naming the reason", async () => {
    await runtime.createShare({ name: "/moving", metadataStore: "meta-a", blockStore: "blocks-a" });
    await runtime.updateShare({ name: "/moving", blockStore: "blocks-b" });
    expect(runtime.shareInfos().find((s) => s.name === "/moving")?.blockStore).toBe("blocks-b");

    // The usage figure is cached briefly on SQL stores; the guard must not act on that "empty".
    expect((await runtime.shareUsage()).find((u) => u.name === "/moving")?.files).toBe(0);
    const md = runtime.context.metadata;
    const file = await md.create(ALICE, md.rootHandle("/moving"), "kept", {}, { mode: "guarded" });
    const { payloadId } = await md.prepareWrite(ALICE, file.handle);
    await runtime.context.payload.writeAt("/moving", payloadId, 0, Buffer.from("twelve bytes"), "unstable");
    await md.commitWrite(file.handle, 12);

    for (const patch of [{ blockStore: "blocks-a" }, { metadataStore: "meta-b" }]) {
      const err = await runtime.updateShare({ name: "/moving", ...patch }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ControlError);
      const store = Object.keys(patch)[0];
      expect([(err as ControlError).code, (err as ControlError).field]).toEqual(["IN_USE", store]);
      expect((err as ControlError).message).toMatch(
        /^share \/moving holds 1 file \(12 bytes\); moving it from /,
      );
    }
    // The refusal read a fresh count, which the usage figure now shows too.
    expect((await runtime.shareUsage()).find((u) => u.name === "/moving")).toEqual({
      name: "/moving",
      files: 1,
      bytes: 12,
    });
    // Nothing changed: neither the record nor the live share, and the file still reads back.
    const info = runtime.shareInfos().find((s) => s.name === "/moving");
    expect([info?.metadataStore, info?.blockStore]).toEqual(["meta-a", "blocks-b"]);
    expect(
      (await runtime.updateShare({ name: "/moving", blockStore: "blocks-b", readOnly: true })).readOnly,
    ).toBe(true);
    expect((await runtime.context.payload.readAt("/moving", payloadId, 0, 12)).toString()).toBe(
      "twelve bytes",
    );
  });
});
