"use client";
import { DataTable } from "@/components/tables/table";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { usageText } from "@/lib/format";
import { StoreHealthBadge } from "./store-health-badge";
import { configSummary, type StoreKind } from "./store-kinds";
import type { Open, StoreRow } from "./stores-section";

export function StoresTable({
  kind,
  rows,
  canEdit,
  usedBy,
  holds,
  onOpen,
}: {
  kind: StoreKind;
  rows: StoreRow[];
  canEdit: boolean;
  usedBy: (name: string) => string[];
  holds: (name: string) => { files: number; bytes: number } | null;
  onOpen: (open: Open) => void;
}) {
  const setOpen = onOpen;
  const title = kind === "metadata" ? "Metadata stores" : "Block stores";
  return (
    <DataTable
      label={title}
      rows={rows}
      rowKey={(s) => s.name}
      columns={[
        { header: "Name", sort: (s) => s.name, cell: (s) => <span className="font-medium">{s.name}</span> },
        { header: "Type", sort: (s) => s.type, cell: (s) => <Badge>{s.type}</Badge> },
        {
          header: "Location",
          sort: (s) => configSummary(s.type, s.config),
          cell: (s) => <span className="font-mono text-xs break-all">{configSummary(s.type, s.config)}</span>,
        },
        { header: "Health", cell: (s) => <StoreHealthBadge kind={kind} name={s.name} /> },
        {
          header: "Used by",
          sort: (s) => usedBy(s.name).join(", "),
          cell: (s) => {
            const list = usedBy(s.name);
            return list.length === 0 ? <span className="text-slate-400">no share</span> : list.join(", ");
          },
        },
        {
          header: "Holds",
          sort: (s) => holds(s.name)?.bytes,
          cell: (s) => {
            const u = holds(s.name);
            return u === null ? <span className="text-slate-400">—</span> : usageText(u);
          },
        },
        ...(canEdit
          ? [
              {
                header: "Actions",
                className: "text-right whitespace-nowrap",
                cell: (s: StoreRow) => (
                  <span className="flex justify-end gap-1">
                    <Button
                      size="sm"
                      variant="secondary"
                      aria-label={`Edit ${s.name}`}
                      onClick={() => setOpen({ kind: "edit", store: s })}
                    >
                      Edit
                    </Button>
                    <Button
                      size="sm"
                      variant="danger"
                      aria-label={`Delete ${s.name}`}
                      onClick={() => setOpen({ kind: "delete", store: s })}
                    >
                      Delete
                    </Button>
                  </span>
                ),
              },
            ]
          : []),
      ]}
    />
  );
}
