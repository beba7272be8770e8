import type { Metadata } from "next";
import { headers } from "next/headers";
import { requireRole } from "@/lib/session";
import { shareNameFromSegments } from "@/lib/share-path";
import { ShareDetail } from "./_components/share-detail";

export const metadata: Metadata = { title: "Share" };

/** The host clients should mount from: the one this browser used to reach the console. */
async function consoleHost(): Promise<string> {
  const h = await headers();
  const host = h.get("x-forwarded-host") ?? h.get("host") ?? "127.0.0.1";
  // Strip the console's own port; "[::1]:3000" keeps its brackets.
  return host.replace(/:\d+$/, "");
}

export default async function SharePage({ params }: { params: Promise<{ name: string[] }> }) {
  const me = await requireRole("admin", "operator");
  const { name } = await params;
  return (
    <ShareDetail
      name={shareNameFromSegments(name)}
      host={await consoleHost()}
      canEdit={me.role === "admin"}
      username={me.username}
    />
  );
}
