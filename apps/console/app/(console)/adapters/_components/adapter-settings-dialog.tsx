"use client";
import { adapterUpdateInput } from "@dittofs/shared";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId } from "react";
import { CheckboxField, FormError, TextField } from "@/components/forms/fields";
import { optionalNumber, useForm } from "@/components/forms/use-form";
import { Button } from "@/components/ui/button";
import { Dialog, DialogActions } from "@/components/ui/dialog";
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
  const extraId = useId();
  const settings = (adapter.settings ?? {}) as Record<string, unknown>;
  const form = useForm(adapterUpdateInput, {
    port: String(adapter.port),
    host: typeof settings.host === "string" ? settings.host : "",
    enabled: adapter.enabled,
    extra: extraSettings(settings),
  });
  const update = useMutation(
    trpc.adapters.update.mutationOptions({
      onSuccess: () => {
        toast.success(`${adapter.type.toUpperCase()} settings saved`);
        onClose();
      },
      onError: form.setServerError,
      onSettled: () => qc.invalidateQueries(trpc.adapters.pathFilter()),
    }),
  );
  const v = form.values;
  return (
    <Dialog open onClose={onClose} title={`${adapter.type.toUpperCase()} adapter settings`}>
      <form
        noValidate
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
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
        }}
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
        <CheckboxField
          label="Start with the daemon"
          checked={Boolean(v.enabled)}
          onValue={(x) => form.set("enabled", x)}
          error={form.errors.enabled}
        />
        <div>
          <label htmlFor={extraId} className="mb-1 block text-sm font-medium">
            Other settings (JSON)
          </label>
          <textarea
            id={extraId}
            rows={4}
            value={String(v.extra)}
            onChange={(e) => form.set("extra", e.target.value)}
            aria-invalid={form.errors.extra !== undefined}
            className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-xs dark:border-slate-700 dark:bg-slate-950"
          />
          {form.errors.extra ? <p className="mt-1 text-xs text-rose-600">{form.errors.extra}</p> : null}
        </div>
        <p className="text-xs text-slate-500">A running adapter restarts with the new port or settings.</p>
        <FormError error={form.errors[""] ?? form.errors.type} />
        <DialogActions>
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" busy={update.isPending}>
            Save
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
