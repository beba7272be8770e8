/** `-o table` (default, for people) or `-o json` (for scripts) output of dfsctl results. */

export type OutputFormat = "table" | "json";

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return "-";
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.length === 0 ? "-" : value.join(",");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function renderTable<T>(rows: T[], columns: Column<T>[]): string {
  const cells = rows.map((row) => columns.map((c) => cell(c.value(row))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  const line = (parts: string[]) =>
    parts
      .map((p, i) => p.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.header.toUpperCase())), ...cells.map(line)].join("\n");
}

export interface Printer {
  format: OutputFormat;
  io: { out: (text: string) => void };
}

export function print<T>(to: Printer, data: T | T[], columns: Column<T>[]): void {
  if (to.format === "json") {
    to.io.out(`${JSON.stringify(data, null, 2)}\n`);
    return;
  }
  to.io.out(`${renderTable(Array.isArray(data) ? data : [data], columns)}\n`);
}

export function printDone(to: Printer, message: string, data: unknown = { ok: true }): void {
  to.io.out(to.format === "json" ? `${JSON.stringify(data, null, 2)}\n` : `${message}\n`);
}
