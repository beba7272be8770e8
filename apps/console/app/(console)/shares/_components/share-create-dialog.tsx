"use client";
import { shareCreateInput } from "@dittofs/shared";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { FormDialog } from "@/components/dialogs/form-dialog";
import { useForm } from "@/components/forms/use-form";
import { useToast } from "@/components/ui/toast";
import { shareHref } from "@/lib/share-path";
import { useTRPC } from "@/lib/trpc";
import { NEW_SHARE, ShareFields, shareInput } from "./share-fields";

export function ShareCreateDialog({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const toast = useToast();
  const router = useRouter();
  const form = useForm(shareCreateInput, NEW_SHARE);
  const create = useMutation(
    trpc.shares.create.mutationOptions({
      onSuccess: (_d, v) => {
        toast.success(`Share ${v.name} created`);
        router.push(shareHref(v.name));
      },
      onError: form.setServerError,
      onSettled: () => qc.invalidateQueries(trpc.shares.pathFilter()),
    }),
  );
  const submit = () => {
    const input = form.parse(shareInput(form.values));
    if (input) create.mutate(input);
  };
  return (
    <FormDialog
      onClose={onClose}
      title="Create share"
      wide
      onSubmit={submit}
      submitLabel="Create share"
      busy={create.isPending}
      error={form.errors[""]}
    >
      <ShareFields form={form} nameEditable />
    </FormDialog>
  );
}
