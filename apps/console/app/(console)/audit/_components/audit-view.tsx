"use client";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { TextField } from "@/components/forms/fields";
import { DataTable } from "@/components/tables/table";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState, ErrorBanner } from "@/components/ui/card";
import { Loading } from "@/components/ui/spinner";
import { errorMessage } from "@/lib/errors";
import { formatDate } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { auditCsv, download } from "./audit-export";

/** Rows fetched per page; "Load more" asks for the next page by cursor. */
const AUDIT_PAGE_ROWS = 50;

/** Actions offered as suggestions; the filter accepts any action name. */
const KNOWN_ACTIONS = [
  "auth.login",
  "auth.logout",
  "auth.changePassword",
  "users.create",
  "users.update",
  "users.resetPassword",
  "users.delete",
  "groups.create",
  "groups.update",
  "groups.delete",
  "groups.addMember",
  "groups.removeMember",
  "shares.create",
  "shares.update",
  "shares.delete",
  "shares.migrate",
  "shares.migration",
  "shares.migrationCancel",
  "shares.migrationConfirm",
  "shares.permissions.set",
  "shares.permissions.remove",
  "stores.metadata.create",
  "stores.metadata.update",
  "stores.metadata.delete",
  "stores.block.create",
  "stores.block.update",
  "stores.block.delete",
  "adapters.create",
  "adapters.update",
  "adapters.start",
  "adapters.stop",
  "adapters.delete",
  "settings.update",
];

interface Filters {
  actor: string;
  action: string;
  since: string;
}

function toInput(f: Filters) {
  return {
    limit: AUDIT_PAGE_ROWS,
    ...(f.actor.trim() !== "" ? { actor: f.actor.trim() } : {}),
    ...(f.action.trim() !== "" ? { action: f.action.trim() } : {}),
    ...(f.since !== "" ? { since: new Date(f.since) } : {}),
  };
}

export function AuditView() {
  const trpc = useTRPC();
  const listId = useId();
  const [draft, setDraft] = useState<Filters>({ actor: "", action: "", since: "" });
  const [applied, setApplied] = useState<Filters>(draft);
  const audit = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(toInput(applied), {
      getNextPageParam: (last) => last.nextCursor ?? undefined,
    }),
  );
  const rows = audit.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="space-y-4">
      <form
        aria-label="Filter audit log"
        className="grid items-end gap-3 rounded-lg border border-slate-200 bg-white p-3 sm:grid-cols-[1fr_1fr_1fr_auto_auto] dark:border-slate-800 dark:bg-slate-900"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(draft);
        }}
      >
        <TextField
          label="Actor"
          placeholder="username"
          value={draft.actor}
          onValue={(actor) => setDraft({ ...draft, actor })}
        />
        <TextField
          label="Action"
          placeholder="users.create"
          list={listId}
          value={draft.action}
          onValue={(action) => setDraft({ ...draft, action })}
        />
        <datalist id={listId}>
          {KNOWN_ACTIONS.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <TextField
          label="Since"
          type="datetime-local"
          value={draft.since}
          onValue={(since) => setDraft({ ...draft, since })}
        />
        <Button type="submit">Apply filters</Button>
        <Button
          variant="ghost"
          onClick={() => {
            const empty = { actor: "", action: "", since: "" };
            setDraft(empty);
            setApplied(empty);
          }}
        >
          Clear
        </Button>
      </form>
      {audit.isPending ? <Loading what="audit log" /> : null}
      {audit.isError ? <ErrorBanner>{errorMessage(audit.error)}</ErrorBanner> : null}
      {audit.isSuccess && rows.length === 0 ? (
        <EmptyState title="No audit entries match">Change or clear the filters.</EmptyState>
      ) : null}
      {rows.length > 0 ? (
        <div className="flex flex-wrap items-center justify-end gap-2 text-sm">
          <span className="text-slate-500">
            Export the {rows.length} {rows.length === 1 ? "row" : "rows"} shown:
          </span>
          <Button
            size="sm"
            variant="secondary"
            onClick={() => download("dittofs-audit.csv", "text/csv", auditCsv(rows))}
          >
            CSV
          </Button>
          <Button
            size="sm"
            variant="secondary"
            onClick={() =>
              download("dittofs-audit.json", "application/json", `${JSON.stringify(rows, null, 2)}\n`)
            }
          >
            JSON
          </Button>
        </div>
      ) : null}
      {rows.length > 0 ? (
        <DataTable
          label="Audit log"
          rows={rows}
          rowKey={(r) => String(r.id)}
          paged={false}
          initialSort={{ column: "When", direction: "descending" }}
          columns={[
            {
              header: "When",
              className: "whitespace-nowrap",
              sort: (r) => new Date(r.at).getTime(),
              cell: (r) => formatDate(r.at),
            },
            { header: "Actor", sort: (r) => r.actor, cell: (r) => r.actor },
            {
              header: "Address",
              sort: (r) => r.address,
              cell: (r) => <span className="font-mono text-xs">{r.address ?? "—"}</span>,
            },
            {
              header: "Action",
              sort: (r) => r.action,
              cell: (r) => <span className="font-mono text-xs">{r.action}</span>,
            },
            { header: "Target", sort: (r) => r.target, cell: (r) => r.target ?? "—" },
            {
              header: "Result",
              sort: (r) => r.result,
              cell: (r) => <Badge tone={r.result === "ok" ? "green" : "red"}>{r.result}</Badge>,
            },
            {
              header: "Detail",
              sort: (r) => r.detail,
              cell: (r) => <span className="text-xs text-slate-500">{r.detail ?? ""}</span>,
            },
          ]}
        />
      ) : null}
      {audit.hasNextPage ? (
        <div className="flex justify-center">
          <Button variant="secondary" busy={audit.isFetchingNextPage} onClick={() => audit.fetchNextPage()}>
            Load more
          </Button>
        </div>
      ) : null}
    </div>
  );
}
