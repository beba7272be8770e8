"use client";
import { shareCreateInput } from "@dittofs/shared";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { FormError } from "@/components/forms/fields";
import { useForm } from "@/components/forms/use-form";
import { Button } from "@/components/ui/button";
import { Dialog, DialogActions } from "@/components/ui/dialog";
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
  return (
    <Dialog open onClose={onClose} title="Create share" wide>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const input = form.parse(shareInput(form.values));
          if (input) create.mutate(input);
        }}
      >
        <ShareFields form={form} nameEditable />
        <div className="mt-3">
          <FormError error={form.errors[""]} />
        </div>
        <DialogActions>
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" busy={create.isPending}>
            Create share
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
