/** The audit rows shown, as a CSV or JSON download (the browser saves it; nothing goes to the daemon). */

interface AuditRow {
  id: number;
  at: Date | string;
  actor: string;
  action: string;
  target: string | null;
  result: string;
  detail: string | null;
  address: string | null;
}

const COLUMNS = ["id", "at", "actor", "address", "action", "target", "result", "detail"] as const;

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function csvField(v: unknown): string {
  const s = v === null || v === undefined ? "" : v instanceof Date ? v.toISOString() : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function auditCsv(rows: readonly AuditRow[]): string {
  const lines = [COLUMNS.join(","), ...rows.map((r) => COLUMNS.map((c) => csvField(r[c])).join(","))];
  return `${lines.join("\r\n")}\r\n`;
}

export function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
