"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useDeferredValue, useState } from "react";
import { DataTable } from "@/components/tables/table";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState, ErrorBanner } from "@/components/ui/card";
import { SearchInput } from "@/components/ui/search-input";
import { Loading } from "@/components/ui/spinner";
import { errorMessage } from "@/lib/errors";
import { usageText } from "@/lib/format";
import { shareHref } from "@/lib/share-path";
import { useTRPC } from "@/lib/trpc";
import { ShareCreateDialog } from "./share-create-dialog";

/** Usage figures follow the clients' writes at this pace (the daemon caches them ~3 s). */
const USAGE_REFRESH_MS = 5000;
/** Row actions: straight to a tab of the share's page. */
const ROW_TABS = [
  { id: "mount", label: "Mount" },
  { id: "permissions", label: "Permissions" },
  { id: "settings", label: "Settings" },
] as const;

export function SharesView({ canEdit }: { canEdit: boolean }) {
  const trpc = useTRPC();
  const [creating, setCreating] = useState(false);
  const shares = useQuery(trpc.shares.list.queryOptions());
  const usage = useQuery({ ...trpc.shares.usage.queryOptions(), refetchInterval: USAGE_REFRESH_MS });
  const [search, setSearch] = useState("");
  const needle = useDeferredValue(search.trim().toLowerCase());
  // Filtered here by name or store (shares are few; the list query returns them all).
  const shown = (shares.data ?? []).filter(
    (s) =>
      needle === "" || [s.name, s.metadataStore, s.blockStore].some((v) => v.toLowerCase().includes(needle)),
  );
  const holds = (name: string) => usage.data?.find((u) => u.name === name);
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <SearchInput
          label="Search shares"
          placeholder="Search shares or stores…"
          value={search}
          onValue={setSearch}
        />
        {canEdit ? (
          <Button className="ml-auto" onClick={() => setCreating(true)}>
            Create share
          </Button>
        ) : null}
      </div>
      {shares.isPending ? <Loading what="shares" /> : null}
      {shares.isError ? <ErrorBanner>{errorMessage(shares.error)}</ErrorBanner> : null}
      {shares.data?.length === 0 ? (
        <EmptyState title="No shares yet">
          {canEdit ? "Create a share on a metadata store and a block store, then grant users access." : null}
        </EmptyState>
      ) : null}
      {shares.data && shares.data.length > 0 && shown.length === 0 ? (
        <EmptyState title="No shares match">Change or clear the search.</EmptyState>
      ) : null}
      {shown.length > 0 ? (
        <DataTable
          label="Shares"
          rows={shown}
          rowKey={(s) => s.name}
          columns={[
            {
              header: "Name",
              sort: (s) => s.name,
              cell: (s) => (
                <Link
                  href={shareHref(s.name)}
                  className="font-medium text-indigo-700 hover:underline dark:text-indigo-300"
                >
                  {s.name}
                </Link>
              ),
            },
            { header: "Metadata store", sort: (s) => s.metadataStore, cell: (s) => s.metadataStore },
            { header: "Block store", sort: (s) => s.blockStore, cell: (s) => s.blockStore },
            {
              header: "Protocols",
              sort: (s) => [s.nfs ? "NFS" : "", s.smb ? "SMB" : ""].join(" ").trim() || "none",
              cell: (s) => (
                <span className="flex gap-1">
                  {s.nfs ? <Badge tone="indigo">NFS</Badge> : null}
                  {s.smb ? <Badge tone="indigo">SMB</Badge> : null}
                  {!s.nfs && !s.smb ? <Badge>none</Badge> : null}
                </span>
              ),
            },
            {
              header: "Access",
              sort: (s) => (s.readOnly ? "read-only" : "read-write"),
              cell: (s) =>
                s.readOnly ? <Badge tone="amber">read-only</Badge> : <Badge tone="green">read-write</Badge>,
            },
            { header: "Squash", sort: (s) => s.squash, cell: (s) => s.squash },
            {
              header: "Holds",
              sort: (s) => holds(s.name)?.bytes,
              cell: (s) => {
                const u = holds(s.name);
                return u === undefined ? <span className="text-slate-400">—</span> : usageText(u);
              },
            },
            {
              header: "Actions",
              className: "text-right whitespace-nowrap",
              cell: (s) => (
                <span className="flex justify-end gap-1">
                  {ROW_TABS.map((t) => (
                    <Link
                      key={t.id}
                      href={`${shareHref(s.name)}?tab=${t.id}`}
                      aria-label={`${t.label} of ${s.name}`}
                      className="rounded-md border border-slate-300 px-2 py-1 text-xs font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
                    >
                      {t.label}
                    </Link>
                  ))}
                </span>
              ),
            },
          ]}
        />
      ) : null}
      {creating ? <ShareCreateDialog onClose={() => setCreating(false)} /> : null}
    </div>
  );
}
