"use client";
import {
  blockStoreCreateInput,
  blockStoreUpdateInput,
  metadataStoreCreateInput,
  metadataStoreUpdateInput,
} from "@dittofs/shared";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { FormDialog } from "@/components/dialogs/form-dialog";
import { CheckboxField, SelectField, TextField } from "@/components/forms/fields";
import { useForm } from "@/components/forms/use-form";
import { useToast } from "@/components/ui/toast";
import { errorMessage } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { useStoreApi } from "./store-api";
import { type ConfigField, fieldsOf, STORE_TYPES, type StoreKind } from "./store-kinds";
import type { StoreRow } from "./stores-section";
import { TestConnection } from "./test-connection";

const SCHEMAS = {
  metadata: { create: metadataStoreCreateInput, update: metadataStoreUpdateInput },
  block: { create: blockStoreCreateInput, update: blockStoreUpdateInput },
} as const;

/** Form keys of config fields are "config.<key>", the same path zod and the API report issues at. */
const cfgKey = (f: ConfigField) => `config.${f.key}`;

function initialValues(kind: StoreKind, store?: StoreRow): Record<string, unknown> {
  const type = store?.type ?? STORE_TYPES[kind][0]!.value;
  const v: Record<string, unknown> = { name: store?.name ?? "", type };
  for (const t of STORE_TYPES[kind]) {
    for (const f of t.fields) {
      const current = t.value === type ? store?.config[f.key] : undefined;
      v[cfgKey(f)] = f.kind === "checkbox" ? current === true : typeof current === "string" ? current : "";
    }
  }
  return v;
}

/** The config object for the chosen type: optional fields left empty are omitted. */
export function buildConfig(kind: StoreKind, values: Record<string, unknown>): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const f of fieldsOf(kind, String(values.type))) {
    const raw = values[cfgKey(f)];
    if (f.kind === "checkbox") {
      if (raw === true) config[f.key] = true;
      continue;
    }
    const text = String(raw ?? "").trim();
    if (text !== "" || !f.optional) config[f.key] = text;
  }
  return config;
}

export function StoreFormDialog({
  kind,
  store,
  onClose,
}: {
  kind: StoreKind;
  store?: StoreRow;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const api = useStoreApi(kind);
  const qc = useQueryClient();
  const toast = useToast();
  const editing = store !== undefined;
  const schema = editing ? SCHEMAS[kind].update : SCHEMAS[kind].create;
  const form = useForm(schema, initialValues(kind, store));
  const options = {
    onSuccess: (_d: unknown, v: { name: string }) => {
      toast.success(`Store ${v.name} ${editing ? "saved" : "created"}`);
      onClose();
    },
    onError: form.setServerError,
    onSettled: () => qc.invalidateQueries(trpc.stores.pathFilter()),
  };
  const create = useMutation(api.create.mutationOptions(options));
  const update = useMutation(api.update.mutationOptions(options));
  const v = form.values;
  const fields = fieldsOf(kind, String(v.type));
  const config = buildConfig(kind, v);
  // A block store is probed before it is saved; a failed probe is shown and must be confirmed.
  const probe = useMutation(trpc.stores.block.testConnection.mutationOptions());
  const [failed, setFailed] = useState<{ key: string; detail: string } | null>(null);
  const configKey = JSON.stringify([v.type, config]);
  const warning = failed?.key === configKey ? failed.detail : null;
  const submit = async () => {
    const input = form.parse({ name: String(v.name).trim(), type: v.type, config });
    if (input === null) return;
    if (kind === "block" && warning === null) {
      const result = await probe
        .mutateAsync({ type: String(v.type), config } as never)
        .catch((e: unknown) => ({ ok: false, detail: errorMessage(e) }));
      if (!result.ok) return setFailed({ key: configKey, detail: result.detail ?? "no detail" });
    }
    // biome-ignore lint/suspicious/noExplicitAny: the two store routers take their own type enums; the schema above checked it.
    (editing ? update : create).mutate(input as any);
  };
  const anyway = editing ? "Save anyway" : "Create anyway";
  return (
    <FormDialog
      onClose={onClose}
      title={editing ? `Edit ${kind} store ${store.name}` : `Create ${kind} store`}
      wide
      onSubmit={submit}
      submitLabel={warning !== null ? anyway : editing ? "Save" : "Create store"}
      busy={create.isPending || update.isPending || probe.isPending}
      error={form.errors[""] ?? form.errors.config}
      footer={kind === "block" ? <TestConnection type={String(v.type)} config={config} /> : null}
    >
      <div className="grid gap-3 sm:grid-cols-2">
        <TextField label="Name" autoComplete="off" disabled={editing} {...form.text("name")} />
        <SelectField
          label="Type"
          options={STORE_TYPES[kind].map((t) => ({ value: t.value, label: t.label }))}
          {...form.select("type")}
        />
      </div>
      {warning !== null ? (
        <p
          role="alert"
          className="rounded-md bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-200"
        >
          The connection test failed: {warning}. Shares on this store would fail until it is reachable. Press
          “{anyway}” to keep it regardless, or fix the settings.
        </p>
      ) : null}
      {fields.map((f) =>
        f.kind === "checkbox" ? (
          <CheckboxField key={f.key} label={f.label} {...form.checkbox(cfgKey(f))} />
        ) : (
          <TextField
            key={f.key}
            label={f.optional ? `${f.label} (optional)` : f.label}
            placeholder={
              f.secret && store?.secrets[f.key] === "set" ? "set (leave empty to keep it)" : f.placeholder
            }
            type={f.secret ? "password" : "text"}
            autoComplete="off"
            hint={f.hint}
            {...form.text(cfgKey(f))}
          />
        ),
      )}
    </FormDialog>
  );
}
