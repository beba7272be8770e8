"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ConfirmDialog } from "@/components/dialogs/confirm-dialog";
import { Button } from "@/components/ui/button";
import { EmptyState, ErrorBanner } from "@/components/ui/card";
import { Loading } from "@/components/ui/spinner";
import { useToast } from "@/components/ui/toast";
import { errorMessage } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { useStoreApi } from "./store-api";
import { StoreFormDialog } from "./store-form-dialog";
import type { StoreKind } from "./store-kinds";
import { configSummary } from "./store-kinds";
import { StoresTable } from "./stores-table";

export interface StoreRow {
  name: string;
  type: string;
  /** Config without secrets: the API returns them as set/unset only. */
  config: Record<string, unknown>;
  secrets: Record<string, "set" | "unset">;
}

const TITLES: Record<StoreKind, string> = { metadata: "Metadata stores", block: "Block stores" };

/** Usage figures follow the clients' writes at this pace (the daemon caches them ~3 s). */
const USAGE_REFRESH_MS = 5000;

export type Open = { kind: "create" } | { kind: "edit" | "delete"; store: StoreRow } | null;

export function StoresSection({
  kind,
  canEdit,
  needle,
}: {
  kind: StoreKind;
  canEdit: boolean;
  /** Lower-cased search text ("" shows all). */
  needle: string;
}) {
  const trpc = useTRPC();
  const api = useStoreApi(kind);
  const qc = useQueryClient();
  const toast = useToast();
  const [open, setOpen] = useState<Open>(null);
  const stores = useQuery(api.list.queryOptions());
  const shares = useQuery(trpc.shares.list.queryOptions());
  const usage = useQuery({ ...trpc.shares.usage.queryOptions(), refetchInterval: USAGE_REFRESH_MS });
  const remove = useMutation(
    api.delete.mutationOptions({
      onSuccess: (_d, v) => {
        toast.success(`Store ${v.name} deleted`);
        setOpen(null);
      },
      onSettled: () => qc.invalidateQueries(trpc.stores.pathFilter()),
    }),
  );
  const usedBy = (name: string) =>
    (shares.data ?? [])
      .filter((s) => (kind === "metadata" ? s.metadataStore : s.blockStore) === name)
      .map((s) => s.name);
  /** What the store holds: the sum over the live shares on it (metadata-layer counts). */
  const holds = (name: string) => {
    const on = new Set(usedBy(name));
    const rows = (usage.data ?? []).filter((u) => on.has(u.name));
    if (rows.length === 0) return null;
    return rows.reduce((t, u) => ({ files: t.files + u.files, bytes: t.bytes + u.bytes }), {
      files: 0,
      bytes: 0,
    });
  };
  const title = TITLES[kind];
  const shown = (stores.data ?? []).filter(
    (s) =>
      needle === "" ||
      [s.name, s.type, configSummary(s.type, s.config), ...usedBy(s.name)].some((v) =>
        v.toLowerCase().includes(needle),
      ),
  );
  return (
    <section aria-labelledby={`${kind}-stores`} className="space-y-3">
      <div className="flex items-center justify-between">
        <h2 id={`${kind}-stores`} className="text-lg font-semibold">
          {title}
        </h2>
        {canEdit ? (
          <Button onClick={() => setOpen({ kind: "create" })}>{`Create ${kind} store`}</Button>
        ) : null}
      </div>
      {stores.isPending ? <Loading what={title.toLowerCase()} /> : null}
      {stores.isError ? <ErrorBanner>{errorMessage(stores.error)}</ErrorBanner> : null}
      {stores.data?.length === 0 ? (
        <EmptyState title={`No ${kind} stores`}>
          A share needs one metadata store and one block store.
        </EmptyState>
      ) : null}
      {stores.data && stores.data.length > 0 && shown.length === 0 ? (
        <EmptyState title={`No ${kind} stores match`}>Change or clear the search.</EmptyState>
      ) : null}
      {shown.length > 0 ? (
        <StoresTable
          kind={kind}
          rows={shown}
          canEdit={canEdit}
          usedBy={usedBy}
          holds={holds}
          onOpen={setOpen}
        />
      ) : null}
      {open?.kind === "create" ? <StoreFormDialog kind={kind} onClose={() => setOpen(null)} /> : null}
      {open?.kind === "edit" ? (
        <StoreFormDialog kind={kind} store={open.store} onClose={() => setOpen(null)} />
      ) : null}
      <ConfirmDialog
        open={open?.kind === "delete"}
        title={`Delete ${kind} store ${open?.kind === "delete" ? open.store.name : ""}?`}
        confirmLabel="Delete store"
        busy={remove.isPending}
        error={remove.error ? errorMessage(remove.error) : undefined}
        onClose={() => {
          remove.reset();
          setOpen(null);
        }}
        onConfirm={() => open?.kind === "delete" && remove.mutate({ name: open.store.name })}
      >
        <p>The store's configuration is removed. A store still used by a share cannot be deleted.</p>
      </ConfirmDialog>
    </section>
  );
}
