/** The DittoFS mark: two stacked disks (a file system copied alike), used in the shell and as icon. */
export function Logo({ className = "h-6 w-6" }: { className?: string }) {
  return (
    <svg viewBox="0 0 32 32" className={className} aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="7" fill="#4f46e5" />
      <ellipse cx="16" cy="11" rx="9" ry="3.5" fill="#c7d2fe" />
      <path d="M7 11v5c0 1.9 4 3.5 9 3.5s9-1.6 9-3.5v-5" fill="none" stroke="#c7d2fe" strokeWidth="2" />
      <path d="M7 16v5c0 1.9 4 3.5 9 3.5s9-1.6 9-3.5v-5" fill="none" stroke="#e0e7ff" strokeWidth="2" />
    </svg>
  );
}
