"use client";
import { useQuery } from "@tanstack/react-query";
import { CheckboxField, SelectField, TextField } from "@/components/forms/fields";
import { optionalNumber } from "@/components/forms/use-form";
import { useTRPC } from "@/lib/trpc";

export const SQUASH_OPTIONS = [
  { value: "root_squash", label: "root_squash — uid 0 becomes the anonymous user" },
  { value: "all_squash", label: "all_squash — everyone becomes the anonymous user" },
  { value: "none", label: "none — trust client uids" },
] as const;

export interface ShareFormValues {
  [key: string]: unknown;
  name: string;
  metadataStore: string;
  blockStore: string;
  readOnly: boolean;
  squash: string;
  anonUid: string;
  anonGid: string;
  nfs: boolean;
  smb: boolean;
  guest: boolean;
  encryptData: boolean;
}

export const NEW_SHARE: ShareFormValues = {
  name: "",
  metadataStore: "",
  blockStore: "",
  readOnly: false,
  squash: "root_squash",
  anonUid: "65534",
  anonGid: "65534",
  nfs: true,
  smb: true,
  guest: false,
  encryptData: false,
};

/** The API input (create or update) built from what the form holds. */
export function shareInput(v: Record<string, unknown>) {
  return {
    name: String(v.name).trim(),
    metadataStore: v.metadataStore,
    blockStore: v.blockStore,
    readOnly: v.readOnly,
    squash: v.squash,
    anonUid: optionalNumber(v.anonUid),
    anonGid: optionalNumber(v.anonGid),
    nfs: v.nfs,
    smb: v.smb,
    guest: v.guest,
    encryptData: v.encryptData,
  };
}

interface Bound {
  values: Record<string, unknown>;
  errors: Record<string, string>;
  set: (name: string, value: unknown) => void;
  text: (name: string) => { value: string | number; onValue: (v: string) => void; error: string | undefined };
}

/** `storesLocked`: why the stores cannot change (the share holds files); shown under the selects. */
export function ShareFields({
  form,
  nameEditable,
  storesLocked,
}: {
  form: Bound;
  nameEditable: boolean;
  storesLocked?: string | undefined;
}) {
  const trpc = useTRPC();
  const metadata = useQuery(trpc.stores.metadata.list.queryOptions());
  const block = useQuery(trpc.stores.block.list.queryOptions());
  const v = form.values;
  const check = (name: string, label: string) => (
    <CheckboxField
      label={label}
      checked={Boolean(v[name])}
      onValue={(x) => form.set(name, x)}
      error={form.errors[name]}
    />
  );
  return (
    <div className="space-y-3">
      <TextField
        label="Name"
        placeholder="/projects"
        autoComplete="off"
        disabled={!nameEditable}
        {...form.text("name")}
      />
      <div className="grid gap-3 sm:grid-cols-2">
        <SelectField
          label="Metadata store"
          placeholder="Choose…"
          options={(metadata.data ?? []).map((s) => ({ value: s.name, label: `${s.name} (${s.type})` }))}
          value={String(v.metadataStore)}
          onValue={(x) => form.set("metadataStore", x)}
          error={form.errors.metadataStore}
          disabled={storesLocked !== undefined}
          title={storesLocked}
        />
        <SelectField
          label="Block store"
          placeholder="Choose…"
          options={(block.data ?? []).map((s) => ({ value: s.name, label: `${s.name} (${s.type})` }))}
          value={String(v.blockStore)}
          onValue={(x) => form.set("blockStore", x)}
          error={form.errors.blockStore}
          disabled={storesLocked !== undefined}
          title={storesLocked}
        />
      </div>
      {storesLocked !== undefined ? (
        <p className="text-sm text-amber-800 dark:text-amber-300" role="note">
          {storesLocked}
        </p>
      ) : null}
      <SelectField
        label="Squash"
        options={SQUASH_OPTIONS}
        value={String(v.squash)}
        onValue={(x) => form.set("squash", x)}
        error={form.errors.squash}
      />
      <div className="grid grid-cols-2 gap-3">
        <TextField label="Anonymous UID" inputMode="numeric" {...form.text("anonUid")} />
        <TextField label="Anonymous GID" inputMode="numeric" {...form.text("anonGid")} />
      </div>
      <fieldset className="flex flex-wrap gap-x-6 gap-y-2">
        <legend className="mb-1 text-sm font-medium">Protocols and access</legend>
        {check("nfs", "NFS")}
        {check("smb", "SMB")}
        {check("readOnly", "Read-only")}
        {check("guest", "SMB guest access")}
        {check("encryptData", "Encrypt SMB data")}
      </fieldset>
    </div>
  );
}
