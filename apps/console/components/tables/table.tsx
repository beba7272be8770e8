"use client";
import { type ReactNode, useMemo, useState } from "react";
import { Button } from "../ui/button";
import { type SortState, type SortValue, useNarrow, useSorted } from "./sorting";

/** Rows per page in every table; the console never renders an unbounded list. */
const PAGE_SIZE = 20;

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  className?: string;
  /** What the column sorts by (a number sorts numerically); absent: not sortable (actions). */
  sort?: (row: T) => SortValue;
}

/**
 * A list as a table, sortable by any column with a `sort` key (a header click: ascending, then
 * descending), paged unless `paged` is false (the caller pages, as the audit log does). Below
 * `md` it turns into one card per row with every column's header and value, and a sort picker
 * in place of the headers.
 */
export function DataTable<T>({
  label,
  columns,
  rows,
  rowKey,
  paged = true,
  initialSort = null,
}: {
  label: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  paged?: boolean;
  initialSort?: SortState | null;
}) {
  const narrow = useNarrow();
  const keyOf = (header: string) => columns.find((c) => c.header === header)?.sort;
  const { sorted, sort, setSort, toggle } = useSorted(rows, keyOf, initialSort);
  const pages = usePaged(sorted, paged ? PAGE_SIZE : Number.POSITIVE_INFINITY);
  const sortable = columns.filter((c) => c.sort !== undefined);
  return (
    <div>
      {narrow ? (
        <>
          {sortable.length > 0 ? (
            <SortPicker label={label} columns={sortable} sort={sort} onSort={setSort} />
          ) : null}
          <CardList label={label} columns={columns} rows={pages.visible} rowKey={rowKey} />
        </>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
          <table
            aria-label={label}
            className="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800"
          >
            <thead className="bg-slate-50 dark:bg-slate-950/40">
              <tr>
                {columns.map((c) => (
                  <HeaderCell key={c.header} column={c} sort={sort} onToggle={toggle} />
                ))}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {pages.visible.map((row) => (
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
      )}
      {paged ? <Pagination {...pages} total={rows.length} /> : null}
    </div>
  );
}

function HeaderCell<T>({
  column,
  sort,
  onToggle,
}: {
  column: Column<T>;
  sort: SortState | null;
  onToggle: (header: string) => void;
}) {
  const active = sort?.column === column.header ? sort.direction : undefined;
  const className = `px-3 py-2 text-left text-xs font-semibold tracking-wide text-slate-500 uppercase ${column.className ?? ""}`;
  if (column.sort === undefined) {
    return (
      <th scope="col" className={className}>
        {column.header}
      </th>
    );
  }
  return (
    <th scope="col" aria-sort={active ?? "none"} className={className}>
      <button
        type="button"
        onClick={() => onToggle(column.header)}
        className="inline-flex items-center gap-1 uppercase hover:text-slate-800 dark:hover:text-slate-200"
      >
        {column.header}
        <span aria-hidden="true" className={active ? "text-indigo-600" : "text-slate-300"}>
          {active === "descending" ? "▼" : "▲"}
        </span>
      </button>
    </th>
  );
}

/** The narrow layout's sort control: a column and a direction. */
function SortPicker<T>({
  label,
  columns,
  sort,
  onSort,
}: {
  label: string;
  columns: Column<T>[];
  sort: SortState | null;
  onSort: (s: SortState | null) => void;
}) {
  const direction = sort?.direction ?? "ascending";
  return (
    <div className="mb-2 flex items-center gap-2 text-sm">
      <label className="flex min-w-0 items-center gap-2">
        <span className="text-slate-500">Sort by</span>
        <select
          aria-label={`Sort ${label.toLowerCase()} by`}
          value={sort?.column ?? ""}
          onChange={(e) => onSort(e.target.value === "" ? null : { column: e.target.value, direction })}
          className="min-w-0 rounded-md border border-slate-300 bg-white px-2 py-1 dark:border-slate-700 dark:bg-slate-900"
        >
          <option value="">as listed</option>
          {columns.map((c) => (
            <option key={c.header} value={c.header}>
              {c.header}
            </option>
          ))}
        </select>
      </label>
      <Button
        size="sm"
        variant="secondary"
        disabled={sort === null}
        aria-label={direction === "ascending" ? "Sort descending" : "Sort ascending"}
        onClick={() =>
          sort && onSort({ ...sort, direction: direction === "ascending" ? "descending" : "ascending" })
        }
      >
        {direction === "ascending" ? "▲" : "▼"}
      </Button>
    </div>
  );
}

/** One card per row: every column as a term and its value; the actions column spans the card. */
function CardList<T>({
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
    <ul aria-label={label} className="space-y-2">
      {rows.map((row) => (
        <li
          key={rowKey(row)}
          className="rounded-lg border border-slate-200 bg-white p-3 text-sm shadow-sm dark:border-slate-800 dark:bg-slate-900"
        >
          <dl className="grid grid-cols-[minmax(0,7rem)_minmax(0,1fr)] gap-x-3 gap-y-1">
            {columns.map((c) =>
              c.header === "Actions" ? (
                <dd
                  key={c.header}
                  className="col-span-2 mt-2 min-w-0 [&_span]:flex-wrap [&>span]:justify-start"
                >
                  {c.cell(row)}
                </dd>
              ) : (
                <div key={c.header} className="contents">
                  <dt className="text-xs font-semibold tracking-wide text-slate-500 uppercase">{c.header}</dt>
                  <dd className="min-w-0 break-words">{c.cell(row)}</dd>
                </div>
              ),
            )}
          </dl>
        </li>
      ))}
    </ul>
  );
}

/** Client-side paging over an already fetched list. */
function usePaged<T>(rows: T[], pageSize = PAGE_SIZE) {
  const [page, setPage] = useState(0);
  const pages = Math.max(1, Math.ceil(rows.length / pageSize));
  const current = Math.min(page, pages - 1);
  const visible = useMemo(
    () => (Number.isFinite(pageSize) ? rows.slice(current * pageSize, (current + 1) * pageSize) : rows),
    [rows, current, pageSize],
  );
  return { visible, page: current, pages, setPage };
}

function Pagination({
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
