export function Spinner({ label = "Working" }: { label?: string }) {
  return (
    <span
      role="status"
      aria-label={label}
      className="inline-block h-4 w-4 animate-spin rounded-full border-2 border-current border-r-transparent"
    />
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <div className="flex items-center gap-2 p-6 text-sm text-slate-500 dark:text-slate-400">
      <Spinner label={`Loading ${what}`} /> Loading {what}…
    </div>
  );
}
