"use client";
import { userResetPasswordInput } from "@dittofs/shared";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { FormDialog } from "@/components/dialogs/form-dialog";
import { CheckboxField, TextField } from "@/components/forms/fields";
import { useForm } from "@/components/forms/use-form";
import { useToast } from "@/components/ui/toast";
import { useTRPC } from "@/lib/trpc";
import { MUST_CHANGE_LABEL } from "./user-fields";
import type { User } from "./users-view";

export function UserResetPasswordDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const toast = useToast();
  const form = useForm(userResetPasswordInput, { password: "", mustChangePassword: true });
  const reset = useMutation(
    trpc.users.resetPassword.mutationOptions({
      onSuccess: () => {
        toast.success(`Password of ${user.username} reset`);
        onClose();
      },
      onError: form.setServerError,
      onSettled: () => qc.invalidateQueries(trpc.users.pathFilter()),
    }),
  );
  const submit = () => {
    const input = form.parse({
      username: user.username,
      password: form.values.password,
      mustChangePassword: form.values.mustChangePassword,
    });
    if (input) reset.mutate(input);
  };
  return (
    <FormDialog
      onClose={onClose}
      title={`Reset password of ${user.username}`}
      onSubmit={submit}
      submitLabel="Reset password"
      busy={reset.isPending}
      error={form.errors[""] ?? form.errors.username}
    >
      <TextField
        label="New password"
        type="password"
        autoComplete="new-password"
        {...form.text("password")}
      />
      <CheckboxField label={MUST_CHANGE_LABEL} {...form.checkbox("mustChangePassword")} />
      <p className="text-xs text-slate-500">Resetting signs the user out everywhere.</p>
    </FormDialog>
  );
}
