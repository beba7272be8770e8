import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { DefaultPayloadService } from "../../payload/service.ts";
import { BURY_PENDING_MAX } from "../core.ts";
import { DefaultMetadataService } from "../service.ts";
import { MemoryMetadataStore } from "../stores/memory.ts";
import { ALICE, RecordingPayload, SHARE, share } from "../testing/conformance/harness.ts";
import { memoryPayload } from "../testing/memory-payload.ts";

const logger = pino({ level: "silent" });

/** The real payload service whose deletes settle only when the test opens the gate. */
class GatedPayload extends RecordingPayload {
  private gate: Promise<void> = new Promise(() => {});
  open!: () => void;
  settled = 0;
  constructor(inner: DefaultPayloadService) {
    super(inner);
    this.gate = new Promise((res) => {
      this.open = res;
    });
  }
  override async delete(s: string, id: string): Promise<void> {
    await super.delete(s, id);
    await this.gate;
    this.settled++;
  }
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function setup() {
  const inner = await memoryPayload(logger, [SHARE]);
  const payload = new GatedPayload(inner);
  const store = new MemoryMetadataStore();
  const svc = new DefaultMetadataService({ logger, payload });
  await svc.addShare(share(), store);
  closers.push(async () => {
    payload.open();
    await store.close();
    await inner.close();
  });
  return { svc, payload, root: svc.rootHandle(SHARE) };
}

describe("REMOVE and the payload delete", () => {
  it("replies once the delete has started, before it settles; the data is gone at once", async () => {
    const { svc, payload, root } = await setup();
    const f = await svc.create(ALICE, root, "f", {}, { mode: "guarded" });
    const id = f.attr.payloadId!;
    await payload.writeAt(SHARE, id, 0, Buffer.from("gone"));
    await svc.remove(ALICE, root, "f");
    expect(payload.deletes).toEqual([id]);
    expect(payload.settled).toBe(0);
    expect((await payload.readAt(SHARE, id, 0, 4)).equals(Buffer.alloc(4))).toBe(true);
    payload.open();
    await new Promise((r) => setImmediate(r));
    expect(payload.settled).toBe(1);
  });

  it(`waits once ${BURY_PENDING_MAX} deletes are unsettled`, async () => {
    const { svc, payload, root } = await setup();
    const n = BURY_PENDING_MAX + 1;
    for (let i = 0; i < n; i++) await svc.create(ALICE, root, `f${i}`, {}, { mode: "guarded" });
    for (let i = 0; i < BURY_PENDING_MAX; i++) await svc.remove(ALICE, root, `f${i}`);
    let last = false;
    const blocked = svc.remove(ALICE, root, `f${BURY_PENDING_MAX}`).then(() => {
      last = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(last).toBe(false);
    expect(payload.deletes.length).toBe(BURY_PENDING_MAX);
    payload.open();
    await blocked;
    expect(payload.deletes.length).toBe(n);
  });
});
