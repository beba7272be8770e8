import type { Metadata } from "next";
import { PageHeader } from "@/components/ui/card";
import { requireRole } from "@/lib/session";
import { AuditView } from "./_components/audit-view";

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditPage() {
  await requireRole("admin", "operator");
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change made through the API: who, what, when and whether it succeeded."
      />
      <AuditView />
    </>
  );
}
