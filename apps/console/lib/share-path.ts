/** "/export" ↔ "/shares/export"; nested share names keep their slashes as path segments. */
export function shareHref(name: string): string {
  return `/shares${name
    .split("/")
    .map((part) => encodeURIComponent(part))
    .join("/")}`;
}

export function shareNameFromSegments(segments: string[]): string {
  return `/${segments.map((s) => decodeURIComponent(s)).join("/")}`;
}
