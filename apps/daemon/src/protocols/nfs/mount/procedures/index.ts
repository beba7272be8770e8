/** The MOUNT v3 dispatch table (RFC 1813 Appendix I), by procedure number. */
import type { AdapterContext } from "../../../adapter.ts";
import { MOUNT_PROGRAM } from "../../rpc/constants.ts";
import { procedureTable, type RpcProgram } from "../../rpc/program.ts";
import { MOUNT_V3 } from "../constants.ts";
import type { MountTable } from "../mount-table.ts";
import { dumpProc } from "./dump.ts";
import { exportProc } from "./export.ts";
import { mntProc } from "./mnt.ts";
import { nullProc } from "./null.ts";
import { umntProc } from "./umnt.ts";
import { umntallProc } from "./umntall.ts";

const MOUNT3_PROCEDURES = [nullProc, mntProc, dumpProc, umntProc, umntallProc, exportProc] as const;

export function mountProgram(ctx: AdapterContext, mounts: MountTable): RpcProgram {
  const env = { ctx, mounts };
  const table = procedureTable(MOUNT3_PROCEDURES.map((make) => make(env)));
  return {
    prog: MOUNT_PROGRAM,
    name: "mount",
    lowVersion: MOUNT_V3,
    highVersion: MOUNT_V3,
    procedures: (v) => (v === MOUNT_V3 ? table : undefined),
  };
}
