import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { ChangePasswordForm } from "@/components/forms/change-password-form";
import { getMe } from "@/lib/session";
import { signOut } from "../session-actions";

export const metadata: Metadata = { title: "Change password" };

/** The forced change: an account flagged mustChangePassword reaches nothing else until it is done. */
export default async function ChangePasswordPage() {
  const me = await getMe();
  if (me === null) redirect("/login");
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <div className="w-full max-w-sm rounded-lg border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <h1 className="mb-1 text-xl font-semibold">Choose a new password</h1>
        <p className="mb-5 text-sm text-slate-500 dark:text-slate-400">
          {me.mustChangePassword
            ? `${me.username}, your password was set by an administrator. Choose your own to continue.`
            : `Change the password of ${me.username}.`}
        </p>
        <ChangePasswordForm next={me.role === "user" ? "/profile" : "/"} />
        <form action={signOut} className="mt-4 text-right">
          <button type="submit" className="text-sm text-slate-500 hover:underline">
            Sign out
          </button>
        </form>
      </div>
    </main>
  );
}
