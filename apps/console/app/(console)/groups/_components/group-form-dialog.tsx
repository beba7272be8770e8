"use client";
import { groupCreateInput, groupUpdateInput } from "@dittofs/shared";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { FormDialog } from "@/components/dialogs/form-dialog";
import { TextField } from "@/components/forms/fields";
import { optionalNumber, useForm } from "@/components/forms/use-form";
import { useToast } from "@/components/ui/toast";
import { useTRPC } from "@/lib/trpc";
import type { Group } from "./groups-view";

/** Creates a group, or edits the gid of `group`. */
export function GroupFormDialog({ group, onClose }: { group?: Group; onClose: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const toast = useToast();
  const editing = group !== undefined;
  const form = useForm(editing ? groupUpdateInput : groupCreateInput, {
    name: group?.name ?? "",
    gid: group ? String(group.gid) : "",
  });
  const done = (verb: string) => (_d: unknown, v: { name: string }) => {
    toast.success(`Group ${v.name} ${verb}`);
    onClose();
  };
  const settled = () => qc.invalidateQueries(trpc.groups.pathFilter());
  const create = useMutation(
    trpc.groups.create.mutationOptions({
      onSuccess: done("created"),
      onError: form.setServerError,
      onSettled: settled,
    }),
  );
  const update = useMutation(
    trpc.groups.update.mutationOptions({
      onSuccess: done("saved"),
      onError: form.setServerError,
      onSettled: settled,
    }),
  );
  const submit = () => {
    const input = form.parse({ name: String(form.values.name).trim(), gid: optionalNumber(form.values.gid) });
    if (input === null) return;
    if (editing) update.mutate(input as { name: string; gid: number });
    else create.mutate(input);
  };
  return (
    <FormDialog
      onClose={onClose}
      title={editing ? `Edit group ${group.name}` : "Create group"}
      onSubmit={submit}
      submitLabel={editing ? "Save" : "Create group"}
      busy={create.isPending || update.isPending}
      error={form.errors[""]}
    >
      <TextField label="Name" autoComplete="off" disabled={editing} {...form.text("name")} />
      <TextField
        label="GID"
        inputMode="numeric"
        hint={editing ? undefined : "Empty: next free"}
        {...form.text("gid")}
      />
    </FormDialog>
  );
}
