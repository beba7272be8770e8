import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getMe } from "@/lib/session";
import { LoginForm } from "./_components/login-form";

export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage() {
  const me = await getMe().catch(() => null);
  if (me !== null) redirect(me.mustChangePassword ? "/change-password" : "/");
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <div className="w-full max-w-sm rounded-lg border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <h1 className="mb-1 text-xl font-semibold">Sign in to DittoFS</h1>
        <p className="mb-5 text-sm text-slate-500 dark:text-slate-400">
          Use a DittoFS account (admin, operator or user).
        </p>
        <LoginForm />
      </div>
    </main>
  );
}
