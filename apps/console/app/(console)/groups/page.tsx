import type { Metadata } from "next";
import { PageHeader } from "@/components/ui/card";
import { requireRole } from "@/lib/session";
import { GroupsView } from "./_components/groups-view";

export const metadata: Metadata = { title: "Groups" };

export default async function GroupsPage() {
  const me = await requireRole("admin", "operator");
  return (
    <>
      <PageHeader
        title="Groups"
        description="Unix groups (gid) and their members; shares grant permissions to groups."
      />
      <GroupsView canEdit={me.role === "admin"} />
    </>
  );
}
