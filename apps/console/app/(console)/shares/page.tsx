import type { Metadata } from "next";
import { PageHeader } from "@/components/ui/card";
import { requireRole } from "@/lib/session";
import { SharesView } from "./_components/shares-view";

export const metadata: Metadata = { title: "Shares" };

export default async function SharesPage() {
  const me = await requireRole("admin", "operator");
  return (
    <>
      <PageHeader
        title="Shares"
        description="Exported trees: each maps to one metadata store and one block store, over NFS and/or SMB."
      />
      <SharesView canEdit={me.role === "admin"} />
    </>
  );
}
