"use client";
import { userCreateInput } from "@dittofs/shared";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { CheckboxField, FormError, SelectField, TextField } from "@/components/forms/fields";
import { optionalNumber, useForm } from "@/components/forms/use-form";
import { Button } from "@/components/ui/button";
import { Dialog, DialogActions } from "@/components/ui/dialog";
import { useToast } from "@/components/ui/toast";
import { useTRPC } from "@/lib/trpc";

export const ROLE_OPTIONS = [
  { value: "user", label: "User — own profile only" },
  { value: "operator", label: "Operator — read all, start/stop adapters" },
  { value: "admin", label: "Admin — everything" },
] as const;

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
  return (
    <Dialog open={open} onClose={onClose} title="Create user">
      <form
        noValidate
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          const input = form.parse({
            username: String(v.username).trim(),
            password: v.password,
            uid: optionalNumber(v.uid),
            gid: optionalNumber(v.gid),
            role: v.role,
            enabled: v.enabled,
            mustChangePassword: v.mustChangePassword,
          });
          if (input) create.mutate(input);
        }}
      >
        <TextField label="Username" autoComplete="off" {...form.text("username")} />
        <TextField label="Password" type="password" autoComplete="new-password" {...form.text("password")} />
        <div className="grid grid-cols-2 gap-3">
          <TextField label="UID" inputMode="numeric" hint="Empty: next free" {...form.text("uid")} />
          <TextField label="GID" inputMode="numeric" hint="Empty: next free" {...form.text("gid")} />
        </div>
        <SelectField
          label="Role"
          options={ROLE_OPTIONS}
          value={String(v.role)}
          onValue={(x) => form.set("role", x)}
          error={form.errors.role}
        />
        <CheckboxField
          label="Must change password at next sign-in"
          checked={Boolean(v.mustChangePassword)}
          onValue={(x) => form.set("mustChangePassword", x)}
          error={form.errors.mustChangePassword}
        />
        <CheckboxField
          label="Enabled"
          checked={Boolean(v.enabled)}
          onValue={(x) => form.set("enabled", x)}
          error={form.errors.enabled}
        />
        <FormError error={form.errors[""]} />
        <DialogActions>
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" busy={create.isPending}>
            Create user
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
