import type { Metadata } from "next";
import { PageHeader } from "@/components/ui/card";
import { requireRole } from "@/lib/session";
import { AdapterChips } from "./_components/dashboard/adapter-chips";
import { LiveCharts } from "./_components/dashboard/live-charts";
import { Summary } from "./_components/dashboard/summary";
import { Traffic } from "./_components/dashboard/traffic";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  await requireRole("admin", "operator");
  return (
    <>
      <PageHeader
        title="Dashboard"
        description="Health, adapters, traffic per share and client, and live cache, WAL, transfer and protocol metrics."
      />
      <div className="space-y-6">
        <Summary />
        <AdapterChips />
        <Traffic />
        <LiveCharts />
      </div>
    </>
  );
}
