"use client";
import { userUpdateInput } from "@dittofs/shared";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { FormDialog } from "@/components/dialogs/form-dialog";
import { useForm } from "@/components/forms/use-form";
import { useToast } from "@/components/ui/toast";
import { useTRPC } from "@/lib/trpc";
import { UserAccountFields, userAccountInput } from "./user-fields";
import type { User } from "./users-view";

export function UserEditDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const toast = useToast();
  const form = useForm(userUpdateInput, {
    uid: String(user.uid),
    gid: String(user.gid),
    role: user.role,
    enabled: user.enabled,
    mustChangePassword: user.mustChangePassword,
  });
  const update = useMutation(
    trpc.users.update.mutationOptions({
      onSuccess: () => {
        toast.success(`User ${user.username} saved`);
        onClose();
      },
      onError: form.setServerError,
      onSettled: () => qc.invalidateQueries(trpc.users.pathFilter()),
    }),
  );
  const submit = () => {
    const input = form.parse({ username: user.username, ...userAccountInput(form.values) });
    if (input) update.mutate(input);
  };
  return (
    <FormDialog
      onClose={onClose}
      title={`Edit user ${user.username}`}
      onSubmit={submit}
      submitLabel="Save"
      busy={update.isPending}
      error={form.errors[""] ?? form.errors.username}
    >
      <UserAccountFields form={form} />
    </FormDialog>
  );
}
