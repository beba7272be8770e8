import type { Metadata } from "next";
import { ChangePasswordForm } from "@/components/forms/change-password-form";
import { Card, PageHeader } from "@/components/ui/card";
import { requireMe } from "@/lib/session";

export const metadata: Metadata = { title: "Profile" };

export default async function ProfilePage() {
  const me = await requireMe();
  const rows: [string, string][] = [
    ["Username", me.username],
    ["Role", me.role],
    ["UID", String(me.uid)],
    ["GID", String(me.gid)],
  ];
  return (
    <>
      <PageHeader
        title="Profile"
        description="Your account. NFS clients act as your uid/gid; SMB clients sign in with this name and password."
      />
      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Account">
          <dl className="grid grid-cols-[8rem_1fr] gap-y-2 text-sm">
            {rows.map(([k, v]) => (
              <div key={k} className="contents">
                <dt className="text-slate-500">{k}</dt>
                <dd className="font-medium">{v}</dd>
              </div>
            ))}
          </dl>
        </Card>
        <Card title="Change password">
          <ChangePasswordForm />
        </Card>
      </div>
    </>
  );
}
