import type { Metadata } from "next";
import { PageHeader } from "@/components/ui/card";
import { requireRole } from "@/lib/session";
import { UsersView } from "./_components/users-view";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage() {
  const me = await requireRole("admin", "operator");
  return (
    <>
      <PageHeader
        title="Users"
        description="Accounts for the console, NFS (by uid/gid) and SMB (by name and password)."
      />
      <UsersView canEdit={me.role === "admin"} self={me.username} />
    </>
  );
}
