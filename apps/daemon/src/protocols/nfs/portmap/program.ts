/**
 * Embedded portmapper, PMAP v2 (RFC 1833 §3): NULL, SET, UNSET, GETPORT, DUMP. Off by default;
 * when on it lists our NFS, MOUNT and NLM programs so clients that insist on asking rpcbind can
 * mount. SET/UNSET are accepted from loopback callers only. CALLIT is not offered (PROC_UNAVAIL):
 * it is an amplification vector and no NFSv3 client needs it.
 */
import { PMAP_PROGRAM } from "../rpc/constants.ts";
import type { CallContext, RpcProgram } from "../rpc/program.ts";
import { defineProcedure, procedureTable } from "../rpc/program.ts";
import type { XdrReader } from "../xdr/reader.ts";

export const PMAP_V2 = 2;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const PMAPPROC_NULL = 0;
export const PMAPPROC_SET = 1;
export const PMAPPROC_UNSET = 2;
export const PMAPPROC_GETPORT = 3;
export const PMAPPROC_DUMP = 4;
/** Registrations kept; SET beyond this answers false. */
export const MAX_PMAP_MAPPINGS = 256;

export interface Mapping {
  prog: number;
  vers: number;
  prot: number;
  port: number;
}

function decodeMapping(r: XdrReader): Mapping {
  return { prog: r.uint32(), vers: r.uint32(), prot: r.uint32(), port: r.uint32() };
}

const isLoopback = (addr: string) => addr === "127.0.0.1" || addr === "::1" || addr === "::ffff:127.0.0.1";

export class PortMap {
  private mappings: Mapping[] = [];

  set(m: Mapping): boolean {
    if (this.mappings.some((x) => x.prog === m.prog && x.vers === m.vers && x.prot === m.prot)) return false;
    if (this.mappings.length >= MAX_PMAP_MAPPINGS) return false;
    this.mappings.push({ ...m });
    return true;
  }

  /** RFC 1833: UNSET removes every mapping of (prog, vers) whatever the protocol. */
  unset(prog: number, vers: number): boolean {
    const before = this.mappings.length;
    this.mappings = this.mappings.filter((x) => !(x.prog === prog && x.vers === vers));
    return this.mappings.length !== before;
  }

  getport(prog: number, vers: number, prot: number): number {
    return this.mappings.find((x) => x.prog === prog && x.vers === vers && x.prot === prot)?.port ?? 0;
  }

  list(): Mapping[] {
    return [...this.mappings];
  }
}

export function portmapProgram(map: PortMap): RpcProgram {
  const table = procedureTable([
    defineProcedure<null, null>({
      proc: PMAPPROC_NULL,
      name: "NULL",
      mutates: false,
      idempotent: true,
      needsExport: false,
      decode: () => null,
      handle: async () => null,
      encode: () => {},
    }),
    defineProcedure<Mapping, boolean>({
      proc: PMAPPROC_SET,
      name: "SET",
      mutates: true,
      idempotent: true,
      needsExport: false,
      decode: decodeMapping,
      handle: async (call: CallContext, m) => isLoopback(call.remoteAddress) && map.set(m),
      encode: (w, ok) => w.bool(ok),
    }),
    defineProcedure<Mapping, boolean>({
      proc: PMAPPROC_UNSET,
      name: "UNSET",
      mutates: true,
      idempotent: true,
      needsExport: false,
      decode: decodeMapping,
      handle: async (call: CallContext, m) => isLoopback(call.remoteAddress) && map.unset(m.prog, m.vers),
      encode: (w, ok) => w.bool(ok),
    }),
    defineProcedure<Mapping, number>({
      proc: PMAPPROC_GETPORT,
      name: "GETPORT",
      mutates: false,
      idempotent: true,
      needsExport: false,
      decode: decodeMapping,
      handle: async (_call, m) => map.getport(m.prog, m.vers, m.prot),
      encode: (w, port) => w.uint32(port),
    }),
    defineProcedure<null, Mapping[]>({
      proc: PMAPPROC_DUMP,
      name: "DUMP",
      mutates: false,
      idempotent: true,
      needsExport: false,
      decode: () => null,
      handle: async () => map.list(),
      encode(w, list) {
        for (const m of list) w.bool(true).uint32(m.prog).uint32(m.vers).uint32(m.prot).uint32(m.port);
        w.bool(false);
      },
    }),
  ]);
  return {
    prog: PMAP_PROGRAM,
    name: "portmap",
    lowVersion: PMAP_V2,
    highVersion: PMAP_V2,
    procedures: (v) => (v === PMAP_V2 ? table : undefined),
  };
}
