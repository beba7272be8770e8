/**
 * Write-behind of write-once blocks on an fs store (docs/payload.md "Write-behind"). Each write of
 * a new file's block goes into the block's staging file as it arrives: a positional write at its
 * block offset (BlockStore.stage), with no fdatasync, while its bytes are still in the CPU cache.
 * The upload that a COMMIT, the idle scan or cache pressure starts later writes what is not there
 * yet and then only fdatasyncs and renames the file (StagedPut.publish), when the file holds exactly
 * the block it would store. Otherwise (flattened, truncated, a staging write failed) the file is
 * discarded and the block is put whole, as without write-behind.
 *
 * The file holds the block's slices written in slice order (newest last), each slice's bytes once:
 * overlapping writes (a rewrite of a staged range) land over the older bytes as the cache's
 * newest-wins merge does, so a block completed out of order or rewritten is staged as well. One
 * write per block is in flight at a time, which keeps that order.
 *
 * Why it is safe: a staged file has a temp name, which no get() or list() ever reads, until the
 * publish fdatasynced it; so a crash leaves the key absent (the block was never acknowledged) or
 * holding the whole durable block, as a put does.
 */
import type pino from "pino";
import { escapeAll, releaseAll, retainAll } from "../../domain/buffer-pool.ts";
import { blockKey } from "../block-store/keys.ts";
import type { BlockEntry } from "../cache/block-entry.ts";
import type { EntryStage } from "../cache/entry-stage.ts";
import type { Slice } from "../cache/slices.ts";
import type { PayloadEngine } from "../engine.ts";
import type { BlockStore, BlockWriteOptions, StagedPut } from "../types.ts";
import type { StageBacklog } from "./stage-backlog.ts";
import { StagedCrc } from "./stage-crc.ts";

/**
 * A slice's bytes go to the staging file once this many are not there yet, or when the block is
 * complete (a small copied write alone would cost a syscall). Adopted frames are at least this big.
 */
export const STAGE_WRITE_BYTES_MIN = 256 * 1024;
/** What the staging file holds of one slice: its first `n` bytes. */
interface Written {
  s: Slice;
  n: number;
  /** The slice's content generation those bytes were written at (Slice.gen). */
  gen: number;
}

/** One block being staged: its file, what of its slices the file holds, the write in flight. */
export class BlockStage implements EntryStage {
  private readonly done: Written[] = [];
  private running: Promise<void> | null = null;
  /** A write failed or the slices changed under the file: the upload puts the block whole. */
  private broken = false;
  private ended = false;
  /** Sealed by a CLOSE (seal): written no more, published as it is or removed. */
  private sealedFile = false;
  /** The slices to stage: the entry's live list; the upload's frozen one once detached. */
  private source: () => readonly Slice[];
  private all = false;
  /** The CRC32C of the file's bytes as they were written, for its seal. */
  private readonly sum = new StagedCrc();
  /**
   * The parts of the write in flight: memory the kernel is still copying from (held from the
   * receive pool meanwhile, domain/buffer-pool.ts).
   */
  writing: readonly Buffer[] = [];
  /**
   * Bytes of frames that arrived while the loop's write was in flight, counted in the backlog at
   * once: the loop writes them next. (Uncounted, a writer of 1 MiB frames got a block's whole
   * 4 MiB ahead per 1 MiB counted, and a COMMIT found half of a 256 MiB file unstaged.)
   */
  private waiting = 0;

  constructor(
    readonly file: StagedPut,
    readonly store: BlockStore,
    private readonly backlog: StageBacklog,
    private readonly logger: pino.Logger,
    e: BlockEntry,
  ) {
    this.source = () => e.slices;
  }

  /** `n` bytes were just written into the block's slices: stage what is due. */
  wrote(n: number, complete: boolean): void {
    if (this.broken || this.ended || n <= 0) return;
    if (complete) this.all = true;
    if (this.running !== null && n >= STAGE_WRITE_BYTES_MIN) {
      this.waiting += n;
      this.backlog.add(n);
    }
    void this.kick();
  }

  /** The loop took the waiting frames into its next write (which counts them), or ended. */
  private settleWaiting(): void {
    this.backlog.sub(this.waiting);
    this.waiting = 0;
  }

  /**
   * The one write loop of this stage: started unless running. Two loops would each write what
   * they saw due, and a later slice's bytes could land before an older slice's tail they overlap.
   */
  private kick(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = null;
      // Frames that came as the loop was ending (counted, not written): a new loop writes them.
      const late = this.waiting > 0;
      this.settleWaiting();
      if (late && !this.broken && !this.ended) void this.kick();
    });
    return this.running;
  }

  /** Writes everything due, with the loop running now or a new one once it has ended. */
  private async drain(): Promise<void> {
    while (this.running !== null) await this.running;
    if (!this.broken && !this.ended) await this.kick();
  }

  /** The upload froze `frozen`: only those slices are staged from now on (see finish). */
  detach(frozen: readonly Slice[]): void {
    this.source = () => frozen;
  }

  private async run(): Promise<void> {
    for (let next = this.next(); next !== null; next = this.next()) {
      this.writing = next.parts;
      // Held while the kernel copies from them: a truncate or flatten may drop the slices meanwhile.
      retainAll(next.parts);
      if (this.store.releasesBuffers !== true) escapeAll(next.parts);
      // Only bytes handed to the disk count: a slice not due yet (a small write) may wait for its
      // block's upload, and counting it would hold writers for as long.
      this.backlog.add(next.bytes);
      this.settleWaiting(); // after the add: the count never dips to wake writers in between
      try {
        await this.file.write(next.off, next.parts);
        // Before the parts are let go: a truncate may have dropped their slices meanwhile.
        this.sum.wrote(next.off, next.parts);
      } catch (err) {
        this.logger.debug(
          { err: (err as Error).message },
          "stage write failed; the upload puts the block whole",
        );
        this.break();
        return;
      } finally {
        releaseAll(next.parts);
        this.writing = [];
        this.backlog.sub(next.bytes);
      }
      for (const w of next.records) {
        const i = this.done.findIndex((d) => d.s === w.s);
        if (i >= 0) this.done[i] = w;
        else this.done.push(w);
      }
    }
  }

  /**
   * The next write: the slices' bytes not in the file yet, from the first such slice, as one
   * vector while they are contiguous in the block. Null when nothing is due, or when the slices
   * the file holds are no longer the block's first slices as they were (flattened, truncated).
   */
  private next(): { off: number; parts: Buffer[]; records: Written[]; bytes: number } | null {
    // Sealed (or its seal in flight, the stage still on the entry): a write into it would fail
    // and discard it, removing the file the CLOSE acknowledged. Later slices go to a new file.
    if (this.broken || this.ended || this.sealedFile) return null;
    const slices = this.source();
    for (let i = 0; i < this.done.length; i++) {
      const d = this.done[i]!;
      const s = slices[i];
      if (!same(d, s)) {
        this.break();
        return null;
      }
    }
    let i = this.done.findIndex((d) => d.n < d.s.len);
    if (i < 0) i = this.done.length;
    const parts: Buffer[] = [];
    const records: Written[] = [];
    let off = -1;
    let end = -1;
    for (; i < slices.length; i++) {
      const s = slices[i]!;
      const from = this.done[i]?.n ?? 0;
      const due = this.all || s.len - from >= STAGE_WRITE_BYTES_MIN;
      if (!due || (off >= 0 && s.off + from !== end)) break;
      if (off < 0) off = s.off + from;
      parts.push(s.buf.subarray(from, s.len));
      records.push({ s, n: s.len, gen: s.gen });
      end = s.off + s.len;
    }
    return parts.length === 0 ? null : { off, parts, records, bytes: end - off };
  }

  private break(): void {
    this.broken = true;
    void this.end();
  }

  /** Ends the stage: the file is removed unless published. Never throws. */
  end(): Promise<void> {
    this.ended = true;
    return this.file.discard();
  }

  /**
   * SMB CLOSE (seal.ts sealForClose): writes the rest of the block's slices and, when the file then
   * holds exactly them, seals it (named after its length and CRC32C, kept as it was written:
   * stage-crc.ts; block-store/fs-sealed.ts). The caller takes the stage off the entry then: the
   * sealed file is written no more.
   */
  async seal(): Promise<boolean> {
    this.all = true;
    await this.drain();
    const slices = this.source();
    if (this.file.seal === undefined || !this.holds(slices)) return false;
    const { crc, length } = this.sum.of(slices);
    this.sealedFile = true;
    try {
      await this.file.seal(crc, length);
    } catch (err) {
      this.sealedFile = false; // not sealed (refused past the store's bound): staged into as before
      throw err;
    }
    return true;
  }

  /**
   * Whether the file holds exactly `slices`, whole (nothing broke it): each one written to its
   * length at its content generation now. A truncate's cut changes that generation: a sealed file
   * outlives a truncate (for a restart to adopt), and a write at the cut can grow the cut slice
   * back to the length the file holds, with newer bytes the file lacks.
   */
  holds(slices: readonly Slice[]): boolean {
    if (this.broken || this.ended || this.done.length !== slices.length) return false;
    return this.done.every((d, i) => same(d, slices[i]) && d.n === d.s.len);
  }

  /**
   * The upload froze `frozen` (the block as it will be stored): writes the rest of those slices
   * and tells whether the file now holds exactly them, at the lengths they have now.
   */
  async finish(frozen: readonly Slice[]): Promise<boolean> {
    if (this.sealedFile) return this.holds(frozen); // nothing more is written into a sealed file
    const lens = frozen.map((s) => s.len);
    this.source = () => frozen;
    this.all = true;
    await this.drain();
    // A truncate during the upload cut or dropped frozen slices (the file may hold bytes past the cut).
    if (this.broken || this.ended || this.done.length !== frozen.length) return false;
    return this.done.every((d, i) => same(d, frozen[i]) && d.n === lens[i]);
  }
}

/** Whether the file's bytes of `d.s` are still that slice's: the same slice, not changed since (Slice.gen). */
function same(d: Written, s: Slice | undefined): boolean {
  return s === d.s && s.gen === d.gen && d.n <= s.len;
}

/** Whether writes into `e` may be staged now (a write-once block of an fs store, not uploading). */
export function stageable(engine: PayloadEngine, e: BlockEntry): boolean {
  return (
    engine.store.stage !== undefined &&
    engine.sharedMode === null &&
    !engine.closed &&
    !e.uploading &&
    !e.dropped &&
    e.baseEnd === 0
  );
}

/**
 * `n` unjournaled bytes were just written into `e` (`complete`: the block is now covered whole):
 * stages them, starting the block's staging file at its first due write. Where the store cannot
 * stage, a completed block is uploaded at once (the eager upload of docs/payload.md "WRITE" step 4).
 */
export function writeBehind(engine: PayloadEngine, e: BlockEntry, n: number, complete: boolean): void {
  const store = engine.store;
  if (store.stage === undefined || engine.sharedMode !== null) {
    if (complete) engine.scheduleUpload(e);
    return;
  }
  if (e.stage === null) {
    // A staging file begins with its first due write. A small file's bytes never are: its upload
    // puts the block whole (one O_DSYNC write), with no staging file and no fdatasync of its own.
    if (!(complete || e.slices.some(dueAlone)) || !stageable(engine, e)) return;
    e.stage = newStage(engine, e);
  }
  e.stage.wrote(n, complete);
}

/** Whether a slice's bytes are due in a staging file that holds none of them yet (BlockStage.next). */
function dueAlone(s: Slice): boolean {
  return s.len >= STAGE_WRITE_BYTES_MIN;
}

export function newStage(engine: PayloadEngine, e: BlockEntry): BlockStage {
  const store = engine.store;
  return new BlockStage(
    store.stage!(blockKey(e.payloadId, e.index)),
    store,
    engine.stageBacklog,
    engine.logger,
    e,
  );
}

/** Discards the block's staging file, if any (truncated, deleted, or closing). */
export function dropStaged(e: BlockEntry): Promise<void> {
  const s = e.stage;
  e.stage = null;
  return s === null ? Promise.resolve() : s.end();
}

/**
 * The upload has just frozen the block's slices: takes its stage off the entry (later writes form
 * a new block content and are not staged into this file), or null.
 */
export function detachStage(e: BlockEntry, frozen: readonly Slice[]): EntryStage | null {
  const s = e.stage;
  e.stage = null;
  s?.detach(frozen); // its write loop may still run: it must not write the slices that come later
  return s;
}

/** The upload has just frozen the block's slices: takes the file a CLOSE sealed off the entry, or null. */
export function storedThenEnd(put: () => Promise<void>, sealed: EntryStage | null): () => Promise<void> {
  if (sealed === null) return put;
  return async () => {
    await put();
    await sealed.end();
  };
}

/**
 * The store call of an upload of the frozen slices: the staged file's publish when, its rest
 * written, it holds exactly the block (falling back to a whole put if that fails), else the put.
 * Without a newer stage, the file a CLOSE sealed is the one published when it holds exactly the
 * frozen slices. A file a CLOSE sealed is removed only after the block is stored (published or put):
 * until then it is what a restart after a kill adopts.
 */
export function putStagedOr(
  engine: PayloadEngine,
  e: BlockEntry,
  staged: { stage: EntryStage | null; sealed: EntryStage | null },
  frozen: readonly Slice[],
  put: () => Promise<void>,
  opts: BlockWriteOptions,
): () => Promise<void> {
  const stage = staged.stage ?? staged.sealed;
  const older = staged.stage !== null ? staged.sealed : null;
  if (stage === null) return put;
  // The file holds slice bytes only: a block over stored bytes, or stored elsewhere now, is put.
  if (stage.store !== engine.store || e.baseEnd > 0) {
    if (stage !== staged.sealed) void stage.end();
    return storedThenEnd(put, staged.sealed);
  }
  let once: EntryStage | null = stage;
  return async () => {
    const s = once;
    once = null; // a retry after a failed publish puts the block whole
    if (s !== null) {
      try {
        if (await s.finish(frozen)) {
          await s.file.publish(opts);
          await older?.end();
          return;
        }
      } catch (err) {
        engine.logger.debug({ err: (err as Error).message }, "staged block not published; putting it whole");
      }
    }
    await put();
    await stage.end();
    await older?.end();
  };
}
