"use client";
import { DataTable } from "@/components/tables/table";
import { Button } from "@/components/ui/button";
import type { Group, Open } from "./groups-view";

export function GroupsTable({
  rows,
  canEdit,
  onOpen,
}: {
  rows: Group[];
  canEdit: boolean;
  onOpen: (open: Open) => void;
}) {
  const setOpen = onOpen;
  return (
    <DataTable
      label="Groups"
      rows={rows}
      rowKey={(g) => g.name}
      columns={[
        { header: "Name", sort: (g) => g.name, cell: (g) => <span className="font-medium">{g.name}</span> },
        { header: "GID", sort: (g) => g.gid, cell: (g) => g.gid },
        {
          header: "Members",
          sort: (g) => g.members.length,
          cell: (g) =>
            g.members.length === 0 ? <span className="text-slate-400">none</span> : g.members.join(", "),
        },
        {
          header: "Actions",
          className: "text-right whitespace-nowrap",
          cell: (g) => (
            <span className="flex justify-end gap-1">
              <Button
                size="sm"
                variant="secondary"
                aria-label={`Members of ${g.name}`}
                onClick={() => setOpen({ kind: "members", group: g })}
              >
                Members
              </Button>
              {canEdit ? (
                <>
                  <Button
                    size="sm"
                    variant="secondary"
                    aria-label={`Edit ${g.name}`}
                    onClick={() => setOpen({ kind: "edit", group: g })}
                  >
                    Edit
                  </Button>
                  <Button
                    size="sm"
                    variant="danger"
                    aria-label={`Delete ${g.name}`}
                    disabled={g.builtIn}
                    title={
                      g.builtIn ? "Built-in group (created at first start): it cannot be deleted" : undefined
                    }
                    onClick={() => setOpen({ kind: "delete", group: g })}
                  >
                    Delete
                  </Button>
                </>
              ) : null}
            </span>
          ),
        },
      ]}
    />
  );
}
