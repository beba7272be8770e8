/**
 * The NFS protocol adapter: NFSv3, MOUNT v3 and NLM v4 multiplexed on one TCP port (default
 * 12049), plus the embedded portmapper on its own port when enabled. Settings (flat, from the
 * adapter row): `portmapper` (bool, default false), `portmapperPort` (default 10111; 111 when the
 * admin asks), `nlmCallbackPortmapPort` (portmapper port on client hosts for GRANTED callbacks,
 * default 111; null disables callbacks), and the connection limits of transport/limits.ts
 * (`maxConnections`, `maxConnectionsPerClient`, `handshakeTimeoutMs`, `idleTimeoutMs`,
 * `frameTimeoutMs`). A bad value refuses the settings with an error naming the key.
 */
import { randomBytes } from "node:crypto";
import { BufferPool } from "../../domain/buffer-pool.ts";
import { anyShareAdmits } from "../../domain/share-access.ts";
import type { AdapterContext, AdapterFactory, AdapterSettings, ProtocolAdapter } from "../adapter.ts";
import { BadFrameLog } from "../transport/bad-frames.ts";
import { ByteBudget } from "../transport/budget.ts";
import { parseTransportLimits, type TransportLimits } from "../transport/limits.ts";
import { MountTable } from "./mount/mount-table.ts";
import { mountProgram } from "./mount/procedures/index.ts";
import { BlockedLocks } from "./nlm/blocked.ts";
import { nlmProgram } from "./nlm/procedures/index.ts";
import { IPPROTO_TCP, PortMap, portmapProgram } from "./portmap/program.ts";
import { MOUNT_PROGRAM, NFS_PROGRAM, NLM_PROGRAM, PMAP_PROGRAM } from "./rpc/constants.ts";
import { RpcDispatcher } from "./rpc/dispatcher.ts";
import { RpcServer } from "./rpc/server.ts";
import { NFS3_WRITEVERFSIZE } from "./v3/constants.ts";
import { type NfsEnv, nfsProgram } from "./v3/procedure.ts";
import { nfs3Procedures } from "./v3/procedures/index.ts";
import { type NfsVersionSettings, parseVersionSettings } from "./v4/settings.ts";
import { nfs4ProgramFor } from "./v4/setup.ts";
import type { Nfs4Locking } from "./v4/state/locking.ts";

export const DEFAULT_PORTMAPPER_PORT = 10111;
const DEFAULT_CALLBACK_PORTMAP_PORT = 111;

export interface NfsSettings {
  host: string;
  port: number;
  portmapper: boolean;
  portmapperPort: number;
  nlmCallbackPortmapPort: number | null;
  transport: TransportLimits;
  /** Versions served and NFSv4 settings (v4/settings.ts). */
  versions: NfsVersionSettings;
}

function num(v: unknown, dflt: number): number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 65535 ? v : dflt;
}

export function parseNfsSettings(s: AdapterSettings): NfsSettings {
  const cb = s.nlmCallbackPortmapPort;
  return {
    host: s.host,
    port: s.port,
    portmapper: s.portmapper === true,
    portmapperPort: num(s.portmapperPort, DEFAULT_PORTMAPPER_PORT),
    nlmCallbackPortmapPort: cb === null ? null : num(cb, DEFAULT_CALLBACK_PORTMAP_PORT),
    transport: parseTransportLimits("nfs", s),
    versions: parseVersionSettings(s),
  };
}

class NfsAdapter implements ProtocolAdapter {
  readonly protocol = "nfs";
  private nfsServer: RpcServer | null = null;
  private pmapServer: RpcServer | null = null;
  private mounts: MountTable;
  private blocked: BlockedLocks | null = null;
  /** NFSv4 lock state with its lease reaper and grace period (v4/state/locking.ts). */
  private v4Locking: Nfs4Locking | null = null;
  readonly settings: NfsSettings;
  private readonly budget: ByteBudget;
  private readonly receivePool: BufferPool;

  constructor(
    settings: AdapterSettings,
    private readonly ctx: AdapterContext,
  ) {
    this.settings = parseNfsSettings(settings);
    this.budget = ctx.bufferBudget ?? new ByteBudget();
    this.receivePool = ctx.receivePool ?? new BufferPool();
    this.mounts = new MountTable(ctx.clients);
  }

  /** NFS, MOUNT, NLM and the portmapper answer only hosts some NFS share's client list admits. */
  private readonly admit = (address: string): boolean => anyShareAdmits(this.ctx.shares.list(), address);

  get port(): number {
    return this.nfsServer?.port ?? this.settings.port;
  }

  get portmapperPort(): number | null {
    return this.pmapServer?.port ?? null;
  }

  connectionCount(): number {
    return this.nfsServer?.connectionCount ?? 0;
  }

  async serve(): Promise<void> {
    const { ctx, settings } = this;
    const logger = ctx.logger.child({ adapter: "nfs" });
    // RFC 1813 §3.3.7: a new verifier per start makes clients resend uncommitted writes.
    const env: NfsEnv = {
      files: ctx.files,
      logger,
      writeVerifier: randomBytes(NFS3_WRITEVERFSIZE),
      clientsOf: (host) => this.mounts.clientsOf(host),
    };
    this.blocked = new BlockedLocks(ctx.files, logger, settings.nlmCallbackPortmapPort);
    const { versions } = settings;
    const programs = versions.v3
      ? [
          nfsProgram(env, nfs3Procedures(env)),
          mountProgram(ctx, this.mounts),
          nlmProgram(ctx.files, this.blocked),
        ]
      : [];
    // RFC 7530 §3.1: NFSv4 on the same port as v3 (program 100003 version 4).
    if (versions.v4 !== null) {
      const v4 = nfs4ProgramFor(ctx, { ...versions, v4: versions.v4 }, env.writeVerifier, logger);
      programs.push(v4.program);
      this.v4Locking = v4.locking;
      v4.locking.start();
    }
    const dispatcher = new RpcDispatcher(programs, {
      logger,
      metrics: ctx.metrics,
      metricsProtocol: "nfs",
      onCall: (peer) => this.mounts.touch(peer.address),
    });
    const server = new RpcServer(dispatcher, {
      host: settings.host,
      port: settings.port,
      logger,
      transport: settings.transport,
      budget: this.budget,
      pool: this.receivePool,
      badFrames: new BadFrameLog("nfs", logger, ctx.metrics),
      admit: this.admit,
    });
    await server.listen();
    this.nfsServer = server;
    if (settings.portmapper) await this.startPortmapper(logger);
    logger.info({ port: server.port, portmapper: this.portmapperPort }, "nfs adapter listening");
  }

  private async startPortmapper(logger: AdapterContext["logger"]): Promise<void> {
    const map = new PortMap();
    const port = this.port;
    const { v3, v4 } = this.settings.versions;
    const registered: Array<readonly [number, number]> = [];
    if (v3) registered.push([NFS_PROGRAM, 3], [MOUNT_PROGRAM, 3], [NLM_PROGRAM, 4]);
    if (v4 !== null) registered.push([NFS_PROGRAM, 4]);
    for (const [prog, vers] of registered) {
      map.set({ prog, vers, prot: IPPROTO_TCP, port });
    }
    const dispatcher = new RpcDispatcher([portmapProgram(map)], {
      logger,
      metrics: this.ctx.metrics,
      metricsProtocol: "nfs",
    });
    const server = new RpcServer(dispatcher, {
      host: this.settings.host,
      port: this.settings.portmapperPort,
      logger,
      transport: this.settings.transport,
      budget: this.budget,
      badFrames: new BadFrameLog("nfs", logger, this.ctx.metrics),
      admit: this.admit,
    });
    try {
      await server.listen();
    } catch (e) {
      await this.nfsServer?.close();
      this.nfsServer = null;
      throw e;
    }
    map.set({ prog: PMAP_PROGRAM, vers: 2, prot: IPPROTO_TCP, port: server.port });
    this.pmapServer = server;
  }

  async stop(): Promise<void> {
    this.blocked?.cancelAll();
    this.v4Locking?.stop();
    await Promise.all([this.nfsServer?.close(), this.pmapServer?.close()]);
    this.nfsServer = null;
    this.pmapServer = null;
    this.mounts.clear();
  }
}

export const createNfsAdapter: AdapterFactory = (settings, ctx) => new NfsAdapter(settings, ctx);
