"use client";
import { changePasswordInput } from "@dittofs/shared";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTRPC } from "@/lib/trpc";
import { Button } from "../ui/button";
import { useToast } from "../ui/toast";
import { FormError, TextField } from "./fields";
import { useForm } from "./use-form";

const EMPTY = { currentPassword: "", newPassword: "", confirm: "" };

/** Used by the forced change after sign-in (then goes on to `next`) and on the profile page. */
export function ChangePasswordForm({ next }: { next?: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const toast = useToast();
  const form = useForm(changePasswordInput, EMPTY);
  const change = useMutation(
    trpc.auth.changePassword.mutationOptions({
      onSuccess: () => {
        toast.success("Password changed");
        form.reset(EMPTY);
        if (next !== undefined) router.replace(next);
        router.refresh();
      },
      onError: form.setServerError,
    }),
  );
  const v = form.values;
  return (
    <form
      noValidate
      className="space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        const input = form.parse({ currentPassword: v.currentPassword, newPassword: v.newPassword });
        if (input === null) return;
        if (v.confirm !== v.newPassword)
          return form.setFieldError("confirm", "does not match the new password");
        change.mutate(input);
      }}
    >
      <TextField
        label="Current password"
        type="password"
        autoComplete="current-password"
        {...form.text("currentPassword")}
      />
      <TextField
        label="New password"
        type="password"
        autoComplete="new-password"
        {...form.text("newPassword")}
      />
      <TextField
        label="Confirm new password"
        type="password"
        autoComplete="new-password"
        {...form.text("confirm")}
      />
      <FormError error={form.errors[""]} />
      <Button type="submit" busy={change.isPending}>
        Change password
      </Button>
    </form>
  );
}
