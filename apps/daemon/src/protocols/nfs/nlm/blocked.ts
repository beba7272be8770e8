/**
 * Blocked NLM LOCK requests (block = TRUE that hit a conflict). The request waits on the file
 * service's locks in the background; when granted, the server tells the client with an NLM4_GRANTED
 * callback (XNFS NLM §10.2), found through the client host's portmapper. A client that cannot take
 * callbacks retries LOCK, and the retry sees the lock already held by its owner (GRANTED).
 */
import type { Logger } from "pino";
import type { FileService } from "../../../files/service.ts";
import type { FileCall } from "../../../files/types.ts";
import type { LockRange } from "../../../metadata/lock-types.ts";
import { IPPROTO_TCP, PMAP_V2, PMAPPROC_GETPORT } from "../portmap/program.ts";
import { RpcClient } from "../rpc/client.ts";
import { NLM_PROGRAM, PMAP_PROGRAM } from "../rpc/constants.ts";
import { GRANTED_CALLBACK_TIMEOUT_MS, MAX_BLOCKED_LOCKS, NLM_V4, NLMPROC4_GRANTED } from "./constants.ts";
import { encodeNlm4Lock, type Nlm4Lock } from "./types.ts";

export interface BlockedRequest {
  lock: Nlm4Lock;
  /** The resolved file the lock is on (its handle a copy that outlives the call). */
  file: FileCall;
  exclusive: boolean;
  cookie: Buffer;
  range: LockRange;
  host: string;
  abort: AbortController;
}

const keyOf = (fh: Buffer, r: LockRange) => `${fh.toString("hex")}|${r.owner}|${r.offset}|${r.length}`;

export class BlockedLocks {
  private waiting = new Map<string, BlockedRequest>();
  /** Locks granted after blocking whose callback may not have reached the client. */
  granted = 0;

  constructor(
    private readonly files: FileService,
    private readonly logger: Logger,
    /** Port of the portmapper on the client's host (111 normally; our embedded one in tests). */
    private readonly callbackPortmapPort: number | null,
  ) {}

  get size(): number {
    return this.waiting.size;
  }

  isWaiting(fh: Buffer, range: LockRange): boolean {
    return this.waiting.has(keyOf(fh, range));
  }

  /** Starts waiting; false when too many requests already wait. */
  start(req: Omit<BlockedRequest, "abort">): boolean {
    const key = keyOf(req.lock.fh, req.range);
    if (this.waiting.has(key)) return true;
    if (this.waiting.size >= MAX_BLOCKED_LOCKS) return false;
    const full: BlockedRequest = { ...req, abort: new AbortController() };
    this.waiting.set(key, full);
    this.files.lock(req.file, { ...req.range, wait: true, signal: full.abort.signal }).then(
      () => {
        this.waiting.delete(key);
        this.granted++;
        void this.callback(full);
      },
      (err) => {
        this.waiting.delete(key);
        if (!full.abort.signal.aborted) this.logger.debug({ err }, "blocked nlm lock failed");
      },
    );
    return true;
  }

  /** NLM CANCEL: true when a waiting request was cancelled. */
  cancel(fh: Buffer, range: LockRange): boolean {
    const key = keyOf(fh, range);
    const req = this.waiting.get(key);
    if (!req) return false;
    this.waiting.delete(key);
    req.abort.abort();
    return true;
  }

  /** FREE_ALL / shutdown: cancel every request whose owner starts with `prefix`. */
  cancelAll(prefix = ""): void {
    for (const [key, req] of [...this.waiting]) {
      if (!req.range.owner.startsWith(prefix)) continue;
      this.waiting.delete(key);
      req.abort.abort();
    }
  }

  private async callback(req: BlockedRequest): Promise<void> {
    if (this.callbackPortmapPort === null) return;
    let pmap: RpcClient | null = null;
    let nlm: RpcClient | null = null;
    try {
      pmap = await RpcClient.connect(this.callbackPortmapPort, req.host, GRANTED_CALLBACK_TIMEOUT_MS);
      const r = await pmap.call(PMAP_PROGRAM, PMAP_V2, PMAPPROC_GETPORT, (w) =>
        w.uint32(NLM_PROGRAM).uint32(NLM_V4).uint32(IPPROTO_TCP).uint32(0),
      );
      const port = r.uint32();
      if (port === 0) return;
      nlm = await RpcClient.connect(port, req.host, GRANTED_CALLBACK_TIMEOUT_MS);
      // NLM4_GRANTED takes nlm4_testargs: cookie, exclusive, alock.
      await nlm.call(NLM_PROGRAM, NLM_V4, NLMPROC4_GRANTED, (w) => {
        w.opaque(req.cookie).bool(req.exclusive);
        encodeNlm4Lock(w, req.lock);
      });
    } catch (err) {
      this.logger.info({ err, host: req.host }, "nlm GRANTED callback failed; client will retry LOCK");
    } finally {
      pmap?.close();
      nlm?.close();
    }
  }
}
