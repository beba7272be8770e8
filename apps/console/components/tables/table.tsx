"use client";
import { type ReactNode, useMemo, useState } from "react";
import { Button } from "../ui/button";

/** Rows per page in every table; the console never renders an unbounded list. */
export const PAGE_SIZE = 20;

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  className?: string;
}

export function DataTable<T>({
  label,
  columns,
  rows,
  rowKey,
}: {
  label: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
}) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <table
        aria-label={label}
        className="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800"
      >
        <thead className="bg-slate-50 dark:bg-slate-950/40">
          <tr>
            {columns.map((c) => (
              <th
                key={c.header}
                scope="col"
                className={`px-3 py-2 text-left text-xs font-semibold tracking-wide text-slate-500 uppercase ${c.className ?? ""}`}
              >
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
          {rows.map((row) => (
            <tr key={rowKey(row)} className="hover:bg-slate-50 dark:hover:bg-slate-800/40">
              {columns.map((c) => (
                <td key={c.header} className={`px-3 py-2 align-middle ${c.className ?? ""}`}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Client-side paging over an already fetched list. */
export function usePaged<T>(rows: T[], pageSize = PAGE_SIZE) {
  const [page, setPage] = useState(0);
  const pages = Math.max(1, Math.ceil(rows.length / pageSize));
  const current = Math.min(page, pages - 1);
  const visible = useMemo(
    () => rows.slice(current * pageSize, (current + 1) * pageSize),
    [rows, current, pageSize],
  );
  return { visible, page: current, pages, setPage };
}

export function Pagination({
  page,
  pages,
  setPage,
  total,
}: {
  page: number;
  pages: number;
  setPage: (p: number) => void;
  total?: number;
}) {
  if (pages <= 1) return null;
  return (
    <nav aria-label="Pagination" className="mt-3 flex items-center justify-end gap-2 text-sm">
      {total !== undefined ? <span className="mr-auto text-slate-500">{total} total</span> : null}
      <Button variant="secondary" size="sm" disabled={page === 0} onClick={() => setPage(page - 1)}>
        Previous
      </Button>
      <span>
        Page {page + 1} of {pages}
      </span>
      <Button variant="secondary" size="sm" disabled={page >= pages - 1} onClick={() => setPage(page + 1)}>
        Next
      </Button>
    </nav>
  );
}
