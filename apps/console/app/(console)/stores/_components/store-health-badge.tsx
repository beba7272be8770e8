"use client";
import { useQuery } from "@tanstack/react-query";
import { Badge } from "@/components/ui/badge";
import { Spinner } from "@/components/ui/spinner";
import { formatNumber } from "@/lib/format";
import { useStoreApi } from "./store-api";
import type { StoreKind } from "./store-kinds";

/** How often each store is probed while the page is open. */
const HEALTH_REFRESH_MS = 15_000;

export function StoreHealthBadge({ kind, name }: { kind: StoreKind; name: string }) {
  const api = useStoreApi(kind);
  const health = useQuery({ ...api.health.queryOptions({ name }), refetchInterval: HEALTH_REFRESH_MS });
  if (health.isPending) return <Spinner label={`Checking ${name}`} />;
  if (health.isError) return <Badge tone="red">unknown</Badge>;
  const h = health.data;
  return (
    <span title={h.detail ?? undefined}>
      {h.ok ? (
        <Badge tone="green">healthy · {formatNumber(h.latencyMs)} ms</Badge>
      ) : (
        <Badge tone="red">failing{h.detail ? `: ${h.detail}` : ""}</Badge>
      )}
    </span>
  );
}
