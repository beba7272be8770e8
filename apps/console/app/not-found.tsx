import Link from "next/link";

export default function NotFound() {
  return (
    <main className="flex min-h-screen flex-col items-center justify-center gap-3 p-4 text-center">
      <h1 className="text-2xl font-semibold">Page not found</h1>
      <p className="text-sm text-slate-500">There is nothing at this address.</p>
      <Link href="/" className="text-sm font-medium text-indigo-700 hover:underline dark:text-indigo-300">
        Back to the dashboard
      </Link>
    </main>
  );
}
