"use client";
import { useDeferredValue, useState } from "react";
import { SearchInput } from "@/components/ui/search-input";
import { StoresSection } from "./stores-section";

/** Both store lists under one search box (name, type, location or a share using the store). */
export function StoresView({ canEdit }: { canEdit: boolean }) {
  const [search, setSearch] = useState("");
  const needle = useDeferredValue(search.trim().toLowerCase());
  return (
    <div className="space-y-6">
      <SearchInput
        label="Search stores"
        placeholder="Search stores, types, locations or shares…"
        value={search}
        onValue={setSearch}
      />
      <div className="space-y-10">
        <StoresSection kind="metadata" canEdit={canEdit} needle={needle} />
        <StoresSection kind="block" canEdit={canEdit} needle={needle} />
      </div>
    </div>
  );
}
