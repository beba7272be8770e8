import type { Metadata } from "next";
import { PageHeader } from "@/components/ui/card";
import { requireRole } from "@/lib/session";
import { StoresView } from "./_components/stores-view";

export const metadata: Metadata = { title: "Stores" };

export default async function StoresPage() {
  const me = await requireRole("admin", "operator");
  const canEdit = me.role === "admin";
  return (
    <>
      <PageHeader
        title="Stores"
        description="Metadata stores hold the file tree; block stores hold file content in 4 MiB blocks. Shares name one of each."
      />
      <StoresView canEdit={canEdit} />
    </>
  );
}
