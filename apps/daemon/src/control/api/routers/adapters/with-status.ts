import type { AdapterStatus, RuntimeControl } from "../../../runtime-control.ts";
import type { AdapterRecord } from "../../../store/types.ts";

export type AdapterView = AdapterRecord & { status: AdapterStatus };

/** A stored adapter row with its live status (running, bound port, connections). */
export function withStatus(runtime: RuntimeControl, record: AdapterRecord): AdapterView {
  return { ...record, status: runtime.adapterStatus(record.type) };
}
