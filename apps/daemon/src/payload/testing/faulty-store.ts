/**
 * Fault injection around a real block store (TigerBeetle-style testing storage): puts can be
 * held at a gate or made to fail, and every call is counted. Reads and writes still go to the
 * real store underneath.
 */
import { FsError } from "../../domain/errors.ts";
import type { BlockStore, BlockStoreHealth, BlockWriteOptions, StagedPut } from "../types.ts";

export class FaultyBlockStore implements BlockStore {
  readonly type: string;
  puts = 0;
  gets = 0;
  deletes = 0;
  failPuts = false;
  failDeletes = false;
  /** Probability that a put or delete fails (a flaky store); reads never fail here. */
  flakiness = 0;
  flushes = 0;
  lists = 0;
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;
  private flushGate: Promise<void> | null = null;
  private putGate: Promise<void> | null = null;
  private openPutGate: (() => void) | null = null;
  /** Puts and publishes waiting at the holdPuts() gate now. */
  heldPuts = 0;
  private openFlushGate: (() => void) | null = null;

  /** Present when the inner store has it (the engine's vectored uploads), with the same faults. */
  readonly putv?: (key: string, parts: readonly Buffer[], opts?: BlockWriteOptions) => Promise<void>;

  /**
   * Write-behind: staging files written to (`stages`), their writes (flaky like puts; `failStages`
   * fails every one), and their publishes (each also counted as a put).
   */
  stages = 0;
  stageWrites = 0;
  publishes = 0;
  /** Staging files sealed by an SMB CLOSE (held by hold() as puts are, never failed: a seal is a rename). */
  seals = 0;
  /** Seals and stage writes waiting at the hold() gate now. */
  heldStageCalls = 0;
  failStages = false;
  readonly stage?: (key: string) => StagedPut;

  /** As the inner store's: faults are injected before its calls, never while they run. */
  readonly releasesBuffers?: boolean;

  constructor(readonly inner: BlockStore) {
    this.type = inner.type;
    this.releasesBuffers = inner.releasesBuffers;
    const putv = inner.putv?.bind(inner);
    if (putv !== undefined) {
      this.putv = async (key, parts, opts) => {
        await this.fault();
        await putv(key, parts, opts);
      };
    }
    const stage = inner.stage?.bind(inner);
    if (stage !== undefined) this.stage = (key) => this.faultyStage(stage(key));
  }

  private faultyStage(staged: StagedPut): StagedPut {
    let wrote = false;
    return {
      write: async (offset, parts) => {
        await this.stageGate();
        if (this.failStages || this.failPuts || Math.random() < this.flakiness)
          throw new FsError("EIO", "injected stage failure");
        await staged.write(offset, parts);
        this.stageWrites++;
        if (!wrote) this.stages++;
        wrote = true;
      },
      publish: async (opts) => {
        await this.fault();
        this.publishes++;
        await staged.publish(opts);
      },
      discard: () => staged.discard(),
      seal:
        staged.seal === undefined
          ? undefined
          : async (crc, length) => {
              await this.stageGate();
              await staged.seal!(crc, length);
              this.seals++;
            },
    };
  }

  private async stageGate(): Promise<void> {
    if (this.gate === null) return;
    this.heldStageCalls++;
    await this.gate;
    this.heldStageCalls--;
  }

  private async fault(): Promise<void> {
    if (this.gate !== null) await this.gate;
    if (this.putGate !== null) {
      this.heldPuts++;
      await this.putGate;
      this.heldPuts--;
    }
    if (this.failPuts || Math.random() < this.flakiness) throw new FsError("EIO", "injected put failure");
    this.puts++;
  }

  /** Holds every put and stage write until release() (writes pile up as dirty data). */
  hold(): void {
    if (this.gate !== null) return;
    this.gate = new Promise((resolve) => {
      this.openGate = resolve;
    });
  }

  release(): void {
    this.openGate?.();
    this.gate = null;
    this.openGate = null;
  }

  /** Holds puts and publishes (not stage writes or seals) until releasePuts(). */
  holdPuts(): void {
    if (this.putGate !== null) return;
    this.putGate = new Promise((resolve) => {
      this.openPutGate = resolve;
    });
  }

  releasePuts(): void {
    this.openPutGate?.();
    this.putGate = null;
    this.openPutGate = null;
  }

  async put(key: string, data: Buffer, opts?: BlockWriteOptions): Promise<void> {
    await this.fault();
    await this.inner.put(key, data, opts);
  }

  get(key: string, offset?: number, length?: number): Promise<Buffer> {
    this.gets++;
    return this.inner.get(key, offset, length);
  }

  async delete(key: string, opts?: BlockWriteOptions): Promise<void> {
    if (this.failDeletes || Math.random() < this.flakiness)
      throw new FsError("EIO", "injected delete failure");
    this.deletes++;
    await this.inner.delete(key, opts);
  }

  /** Holds flush() calls until releaseFlush() (deferred puts stay not yet durable). */
  holdFlush(): void {
    if (this.flushGate !== null) return;
    this.flushGate = new Promise((resolve) => {
      this.openFlushGate = resolve;
    });
  }

  releaseFlush(): void {
    this.openFlushGate?.();
    this.flushGate = null;
    this.openFlushGate = null;
  }

  async flush(): Promise<void> {
    if (this.flushGate !== null) await this.flushGate;
    this.flushes++;
    await this.inner.flush?.();
  }

  list(prefix: string): AsyncIterable<string> {
    this.lists++;
    return this.inner.list(prefix);
  }

  health(): Promise<BlockStoreHealth> {
    return this.inner.health();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
