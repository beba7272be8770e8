"use client";
import { useTRPC } from "@/lib/trpc";
import type { StoreKind } from "./store-kinds";

/** Both store routers have the same list/get/delete/health shapes; block adds testConnection. */
export function useStoreApi(kind: StoreKind) {
  const trpc = useTRPC();
  return (kind === "metadata" ? trpc.stores.metadata : trpc.stores.block) as typeof trpc.stores.metadata;
}
