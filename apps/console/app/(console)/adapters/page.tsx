import type { Metadata } from "next";
import { PageHeader } from "@/components/ui/card";
import { requireRole } from "@/lib/session";
import { AdaptersView } from "./_components/adapters-view";

export const metadata: Metadata = { title: "Adapters" };

export default async function AdaptersPage() {
  const me = await requireRole("admin", "operator");
  return (
    <>
      <PageHeader
        title="Adapters"
        description="Protocol servers. Stopping one refuses new connections at once; the change survives a restart."
      />
      <AdaptersView canEdit={me.role === "admin"} />
    </>
  );
}
