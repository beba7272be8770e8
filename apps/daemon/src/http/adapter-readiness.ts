/**
 * Readiness checks for protocol adapters. An adapter the control plane wants running (its row is
 * `enabled`) whose last start failed (port in use, bad address) makes the daemon not ready, so a
 * load balancer drains a daemon whose NFS or SMB listener is down. An adapter the admin stopped
 * (`enabled: false`) is not expected to serve and does not count, even with an old error kept.
 * Only failing adapters add a check: a healthy daemon's check list stays the same.
 */
import type { AdapterStatus } from "../control/runtime-control.ts";
import type { AdapterRecord } from "../control/store/types.ts";
import type { ReadinessCheck } from "./server.ts";

export function adapterReadiness(
  records: readonly AdapterRecord[],
  statuses: readonly AdapterStatus[],
): ReadinessCheck[] {
  const byType = new Map(statuses.map((status) => [status.type, status]));
  const checks: ReadinessCheck[] = [];
  for (const record of records) {
    const status = byType.get(record.type);
    if (!record.enabled || status === undefined || status.running || status.error === null) continue;
    checks.push({
      name: `adapter ${record.type}`,
      ok: false,
      detail: `enabled but not running since ${status.error.at.toISOString()}: ${status.error.message}`,
    });
  }
  return checks;
}
