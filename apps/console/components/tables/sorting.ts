"use client";
import { useMemo, useState, useSyncExternalStore } from "react";

/** A column's sort key: text compares naturally ("share-2" before "share-10"), numbers numerically. */
export type SortValue = string | number | null | undefined;

export interface SortState {
  /** The header of the column sorted by. */
  column: string;
  direction: "ascending" | "descending";
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

function compare(a: SortValue, b: SortValue): number {
  // Missing values go last in either direction of the caller's flip (they sort as the largest).
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return collator.compare(String(a), String(b));
}

/** `rows` ordered by the column `state` names (stable: equal keys keep the daemon's order). */
export function useSorted<T>(
  rows: readonly T[],
  keyOf: (column: string) => ((row: T) => SortValue) | undefined,
  initial: SortState | null = null,
) {
  const [sort, setSort] = useState<SortState | null>(initial);
  const key = sort === null ? undefined : keyOf(sort.column);
  const sorted = useMemo(() => {
    if (sort === null || key === undefined) return [...rows];
    const flip = sort.direction === "ascending" ? 1 : -1;
    return rows
      .map((row, index) => ({ row, index, value: key(row) }))
      .sort((a, b) => compare(a.value, b.value) * flip || a.index - b.index)
      .map((e) => e.row);
  }, [rows, sort, key]);
  /** A click on a header: ascending first, then flips. */
  const toggle = (column: string) =>
    setSort((s) =>
      s?.column === column && s.direction === "ascending"
        ? { column, direction: "descending" }
        : { column, direction: "ascending" },
    );
  return { sorted, sort, setSort, toggle };
}

/** Below Tailwind's `md` breakpoint tables turn into cards. */
const NARROW_QUERY = "(max-width: 767px)";

function subscribe(onChange: () => void): () => void {
  const mql = window.matchMedia(NARROW_QUERY);
  mql.addEventListener("change", onChange);
  return () => mql.removeEventListener("change", onChange);
}

/** True in a window narrower than `md` (the server renders the wide layout). */
export function useNarrow(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => window.matchMedia(NARROW_QUERY).matches,
    () => false,
  );
}
