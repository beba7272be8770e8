"use client";
import { userCreateInput } from "@dittofs/shared";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { FormDialog } from "@/components/dialogs/form-dialog";
import { TextField } from "@/components/forms/fields";
import { useForm } from "@/components/forms/use-form";
import { useToast } from "@/components/ui/toast";
import { useTRPC } from "@/lib/trpc";
import { UserAccountFields, userAccountInput } from "./user-fields";

const EMPTY = {
  username: "",
  password: "",
  uid: "",
  gid: "",
  role: "user",
  mustChangePassword: true,
  enabled: true,
};

export function UserCreateDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const toast = useToast();
  const form = useForm(userCreateInput, EMPTY);
  const create = useMutation(
    trpc.users.create.mutationOptions({
      onSuccess: (_d, v) => {
        toast.success(`User ${v.username} created`);
        form.reset(EMPTY);
        onClose();
      },
      onError: form.setServerError,
      onSettled: () => qc.invalidateQueries(trpc.users.pathFilter()),
    }),
  );
  const v = form.values;
  const submit = () => {
    const input = form.parse({
      username: String(v.username).trim(),
      password: v.password,
      ...userAccountInput(v),
    });
    if (input) create.mutate(input);
  };
  return (
    <FormDialog
      open={open}
      onClose={onClose}
      title="Create user"
      onSubmit={submit}
      submitLabel="Create user"
      busy={create.isPending}
      error={form.errors[""]}
    >
      <TextField label="Username" autoComplete="off" {...form.text("username")} />
      <TextField label="Password" type="password" autoComplete="new-password" {...form.text("password")} />
      <UserAccountFields form={form} idsOptional />
    </FormDialog>
  );
}
