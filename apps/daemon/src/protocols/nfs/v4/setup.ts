/** Builds the NFSv4 program of an NFS adapter from its context and settings (adapter.ts). */
import type { Logger } from "pino";
import { MemoryNfs4ClientStore } from "../../../domain/nfs4-clients.ts";
import type { AdapterContext } from "../../adapter.ts";
import type { RpcProgram } from "../rpc/program.ts";
import type { Nfs4Env } from "./op.ts";
import { nfs4Program } from "./program.ts";
import type { NfsVersionSettings } from "./settings.ts";
import { Nfs4Locking } from "./state/locking.ts";
import { Nfs4State } from "./state/state.ts";

export function nfs4ProgramFor(
  ctx: AdapterContext,
  versions: NfsVersionSettings & { v4: NonNullable<NfsVersionSettings["v4"]> },
  writeVerifier: Buffer,
  logger: Logger,
): { program: RpcProgram; state: Nfs4State; locking: Nfs4Locking } {
  const state = new Nfs4State({ leaseSeconds: versions.leaseSeconds, registry: ctx.clients });
  // Client records persist in the control store (reclaim after a restart); tests: memory.
  const records = ctx.nfs4Clients ?? new MemoryNfs4ClientStore();
  const locking = new Nfs4Locking(state, ctx.files, records, logger);
  const now = Date.now();
  const env: Nfs4Env = {
    files: ctx.files,
    shares: ctx.shares,
    rootHandle: (name) => ctx.files.rootHandle(name),
    identity: ctx.identity,
    logger,
    metrics: ctx.metrics,
    writeVerifier,
    state,
    locking,
    minorMin: versions.v4.minorMin,
    minorMax: versions.v4.minorMax,
    owners: { domain: versions.idDomain, identity: ctx.identity },
    started: { sec: Math.floor(now / 1000), nsec: (now % 1000) * 1_000_000 },
  };
  return { program: nfs4Program(env), state, locking };
}
