"use client";
import { userResetPasswordInput } from "@dittofs/shared";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { CheckboxField, FormError, TextField } from "@/components/forms/fields";
import { useForm } from "@/components/forms/use-form";
import { Button } from "@/components/ui/button";
import { Dialog, DialogActions } from "@/components/ui/dialog";
import { useToast } from "@/components/ui/toast";
import { useTRPC } from "@/lib/trpc";
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
  return (
    <Dialog open onClose={onClose} title={`Reset password of ${user.username}`}>
      <form
        noValidate
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          const input = form.parse({
            username: user.username,
            password: form.values.password,
            mustChangePassword: form.values.mustChangePassword,
          });
          if (input) reset.mutate(input);
        }}
      >
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          {...form.text("password")}
        />
        <CheckboxField
          label="Must change password at next sign-in"
          checked={Boolean(form.values.mustChangePassword)}
          onValue={(x) => form.set("mustChangePassword", x)}
        />
        <p className="text-xs text-slate-500">Resetting signs the user out everywhere.</p>
        <FormError error={form.errors[""] ?? form.errors.username} />
        <DialogActions>
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" busy={reset.isPending}>
            Reset password
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
