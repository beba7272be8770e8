/**
 * Runs the SMB adapter on 127.0.0.1:0 over the real DefaultMetadataService (memory metadata
 * store) and DefaultPayloadService (memory block store; a WAL dir when asked), with users
 * "alice" (read-write) and "bob" (read-only on /export). Command tests and real-client tests
 * (smbclient, smbtorture, the kernel CIFS client) use it.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Logger, pino } from "pino";
import { type BufferPool, receivePoolFor } from "../../../domain/buffer-pool.ts";
import type { ShareInfo } from "../../../domain/share.ts";
import { FileService } from "../../../files/service.ts";
import { DefaultMetadataService } from "../../../metadata/service.ts";
import { MemoryMetadataStore } from "../../../metadata/stores/memory.ts";
import { FsBlockStore } from "../../../payload/block-store/fs.ts";
import { MemoryBlockStore } from "../../../payload/block-store/memory.ts";
import { DefaultPayloadService } from "../../../payload/service.ts";
import type { AdapterContext, ProtocolAdapter } from "../../adapter.ts";
import { createSmbAdapter } from "../adapter.ts";
import { shareInfo, TestClients, TestIdentity, TestLogons, TestMetrics, TestShares } from "./context.ts";

export const ALICE = { user: "alice", password: "alice-Secret1", uid: 1001, gid: 1001 };
export const BOB = { user: "bob", password: "bob-Secret2", uid: 1002, gid: 1002 };

export interface SmbHarness {
  ctx: AdapterContext & {
    receivePool: BufferPool;
    shares: TestShares;
    identity: TestIdentity;
    clients: TestClients;
    metrics: TestMetrics;
  };
  port: number;
  adapter: ProtocolAdapter;
  metadata: DefaultMetadataService;
  payload: DefaultPayloadService;
  addShare(share: ShareInfo): Promise<void>;
  stop(): Promise<void>;
}

export async function startSmbHarness(
  opts: {
    shares?: ShareInfo[];
    settings?: Record<string, unknown>;
    wal?: boolean;
    logger?: Logger;
    cacheSizeBytes?: number;
  } = {},
): Promise<SmbHarness> {
  const logger = opts.logger ?? pino({ level: process.env.SMB_TEST_LOG ?? "silent" });
  const walDir = opts.wal ? mkdtempSync(join(tmpdir(), "smb-wal-")) : null;
  const payload = new DefaultPayloadService({
    logger,
    cacheSizeBytes: opts.cacheSizeBytes ?? 512 * 1024 * 1024,
    walDir,
    transferConcurrency: 4,
  });
  const metadata = new DefaultMetadataService({ logger });
  const shares = new TestShares();
  const identity = new TestIdentity();
  await identity.addUser(ALICE.user, ALICE.password, ALICE);
  await identity.addUser(BOB.user, BOB.password, BOB, { "/export": "read" });
  const ctx = {
    logger,
    files: new FileService({ metadata, payload, identity }),
    shares,
    identity,
    clients: new TestClients(),
    metrics: new TestMetrics(),
    logons: new TestLogons(),
    receivePool: receivePoolFor(payload),
  };
  const addShare = async (share: ShareInfo) => {
    // With `wal`, an fs block store under the temp dir: the payload service skips the WAL for memory.
    const blocks = walDir
      ? new FsBlockStore(join(walDir, `blocks${share.name.replace(/\//g, "-")}`))
      : new MemoryBlockStore();
    await payload.addShare(share.name, blocks);
    await metadata.addShare(share, new MemoryMetadataStore(), { mode: 0o1777, uid: 0, gid: 0 });
    shares.map.set(share.name, share);
  };
  for (const s of opts.shares ?? [shareInfo("/export")]) await addShare(s);
  const adapter = createSmbAdapter({ host: "127.0.0.1", port: 0, ...opts.settings }, ctx);
  await adapter.serve();
  return {
    ctx,
    port: adapter.port,
    adapter,
    metadata,
    payload,
    addShare,
    async stop() {
      await adapter.stop();
      await payload.flushAll();
      if (walDir) rmSync(walDir, { recursive: true, force: true });
    },
  };
}
