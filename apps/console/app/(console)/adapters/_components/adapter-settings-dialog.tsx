"use client";
import { adapterLimits, adapterUpdateInput, nfsVersionsServed } from "@dittofs/shared";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { FormDialog } from "@/components/dialogs/form-dialog";
import { CheckboxField, TextField } from "@/components/forms/fields";
import { optionalNumber, useForm } from "@/components/forms/use-form";
import { useToast } from "@/components/ui/toast";
import { useTRPC } from "@/lib/trpc";
import type { Adapter } from "./adapters-view";

/** Settings other than the listen host, edited as JSON so adapter-specific keys need no new form. */
function extraSettings(settings: Record<string, unknown>): string {
  const { host: _host, port: _port, ...rest } = settings;
  return Object.keys(rest).length === 0 ? "" : JSON.stringify(rest, null, 2);
}

function parseExtra(text: string): Record<string, unknown> | string {
  if (text.trim() === "") return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== "object" || v === null || Array.isArray(v)) return "must be a JSON object";
    return v as Record<string, unknown>;
  } catch (err) {
    return `not valid JSON (${(err as Error).message})`;
  }
}

export function AdapterSettingsDialog({ adapter, onClose }: { adapter: Adapter; onClose: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const toast = useToast();
  const settings = (adapter.settings ?? {}) as Record<string, unknown>;
  const form = useForm(adapterUpdateInput, {
    port: String(adapter.port),
    host: typeof settings.host === "string" ? settings.host : "",
    enabled: adapter.enabled,
    extra: extraSettings(settings),
  });
  const update = useMutation(
    trpc.adapters.update.mutationOptions({
      onSuccess: (saved) => {
        // The list shows the saved row at once: reopening before the refetch lands must not
        // start from the settings as they were.
        qc.setQueryData(trpc.adapters.list.queryKey(), (rows) =>
          rows?.map((row) => (row.type === saved.type ? saved : row)),
        );
        toast.success(`${adapter.type.toUpperCase()} settings saved`);
        onClose();
      },
      onError: form.setServerError,
      onSettled: () => qc.invalidateQueries(trpc.adapters.pathFilter()),
    }),
  );
  const v = form.values;
  const submit = () => {
    const extra = parseExtra(String(v.extra));
    if (typeof extra === "string") return form.setFieldError("extra", extra);
    const host = String(v.host).trim();
    const input = form.parse({
      type: adapter.type,
      port: optionalNumber(v.port),
      enabled: v.enabled,
      settings: { ...extra, ...(host !== "" ? { host } : {}) },
    });
    if (input) update.mutate(input);
  };
  return (
    <FormDialog
      onClose={onClose}
      title={`${adapter.type.toUpperCase()} adapter settings`}
      onSubmit={submit}
      submitLabel="Save"
      busy={update.isPending}
      error={form.errors[""] ?? form.errors.type}
    >
      <div className="grid grid-cols-2 gap-3">
        <TextField label="Port" inputMode="numeric" hint="0 picks a free port" {...form.text("port")} />
        <TextField
          label="Listen host"
          placeholder="127.0.0.1"
          {...form.text("host")}
          error={form.errors.host ?? form.errors.settings}
        />
      </div>
      <CheckboxField label="Start with the daemon" {...form.checkbox("enabled")} />
      <TextField label="Other settings (JSON)" rows={4} {...form.text("extra")} />
      {adapter.type === "nfs" && <NfsVersions settings={settings} />}
      <ConnectionLimits type={adapter.type} settings={settings} />
      <p className="text-xs text-slate-500">A running adapter restarts with the new port or settings.</p>
    </FormDialog>
  );
}

/** The NFS versions served, set by `versionMin` / `versionMax` in the JSON above (README "NFS versions"). */
function NfsVersions({ settings }: { settings: Record<string, unknown> }) {
  return (
    <p className="text-xs text-slate-600">
      <span className="font-medium text-slate-700">NFS versions served: </span>
      <span className="font-mono">{nfsVersionsServed(settings).join(", ")}</span>
    </p>
  );
}

/** The connection limits in effect; each is set by its key in the JSON above (README "Connection limits"). */
function ConnectionLimits({ type, settings }: { type: string; settings: Record<string, unknown> }) {
  const limits = adapterLimits(type, settings);
  if (limits.length === 0) return null;
  return (
    <section aria-label="Connection limits" className="text-xs text-slate-600">
      <h3 className="font-medium text-slate-700">Connection limits</h3>
      <dl className="mt-1 grid grid-cols-[auto_auto_1fr] gap-x-3">
        {limits.map((l) => (
          <div key={l.key} className="contents" title={l.description}>
            <dt className="font-mono">{l.key}</dt>
            <dd className="font-mono">{l.value}</dd>
            <dd className="text-slate-500">{l.isDefault ? "default" : "set"}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
