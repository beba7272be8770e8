"use client";
import { userUpdateInput } from "@dittofs/shared";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { CheckboxField, FormError, SelectField, TextField } from "@/components/forms/fields";
import { optionalNumber, useForm } from "@/components/forms/use-form";
import { Button } from "@/components/ui/button";
import { Dialog, DialogActions } from "@/components/ui/dialog";
import { useToast } from "@/components/ui/toast";
import { useTRPC } from "@/lib/trpc";
import { ROLE_OPTIONS } from "./user-create-dialog";
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
  const v = form.values;
  return (
    <Dialog open onClose={onClose} title={`Edit user ${user.username}`}>
      <form
        noValidate
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          const input = form.parse({
            username: user.username,
            uid: optionalNumber(v.uid),
            gid: optionalNumber(v.gid),
            role: v.role,
            enabled: v.enabled,
            mustChangePassword: v.mustChangePassword,
          });
          if (input) update.mutate(input);
        }}
      >
        <div className="grid grid-cols-2 gap-3">
          <TextField label="UID" inputMode="numeric" {...form.text("uid")} />
          <TextField label="GID" inputMode="numeric" {...form.text("gid")} />
        </div>
        <SelectField
          label="Role"
          options={ROLE_OPTIONS}
          value={String(v.role)}
          onValue={(x) => form.set("role", x)}
          error={form.errors.role}
        />
        <CheckboxField
          label="Enabled"
          checked={Boolean(v.enabled)}
          onValue={(x) => form.set("enabled", x)}
          error={form.errors.enabled}
        />
        <CheckboxField
          label="Must change password at next sign-in"
          checked={Boolean(v.mustChangePassword)}
          onValue={(x) => form.set("mustChangePassword", x)}
          error={form.errors.mustChangePassword}
        />
        <FormError error={form.errors[""] ?? form.errors.username} />
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
