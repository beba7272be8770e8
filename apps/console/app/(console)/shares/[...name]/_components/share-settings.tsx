"use client";
import { shareUpdateInput } from "@dittofs/shared";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { FormError } from "@/components/forms/fields";
import { useForm } from "@/components/forms/use-form";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { useToast } from "@/components/ui/toast";
import { usageText } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { ShareFields, shareInput } from "../../_components/share-fields";

interface ShareRecordLike {
  name: string;
  metadataStore: string;
  blockStore: string;
  readOnly: boolean;
  squash: string;
  anonUid: number;
  anonGid: number;
  nfs: boolean;
  smb: boolean;
  guest: boolean;
  encryptData: boolean;
}

export function ShareSettings({
  share,
  canEdit,
  usage,
}: {
  share: ShareRecordLike;
  canEdit: boolean;
  usage: { files: number; bytes: number } | undefined;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const toast = useToast();
  const form = useForm(shareUpdateInput, {
    ...share,
    anonUid: String(share.anonUid),
    anonGid: String(share.anonGid),
  });
  const update = useMutation(
    trpc.shares.update.mutationOptions({
      onSuccess: () => toast.success(`Share ${share.name} saved`),
      onError: form.setServerError,
      onSettled: () => qc.invalidateQueries(trpc.shares.pathFilter()),
    }),
  );
  return (
    <Card title="Settings">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const input = form.parse(shareInput({ ...form.values, name: share.name }));
          if (input) update.mutate(input);
        }}
      >
        <fieldset disabled={!canEdit} className="max-w-2xl">
          <ShareFields
            form={form}
            nameEditable={false}
            storesLocked={
              usage && usage.files > 0
                ? `The share holds ${usageText(usage)}: on another store they would be unreadable. Move them with “Move data” below.`
                : undefined
            }
          />
        </fieldset>
        <div className="mt-3">
          <FormError error={form.errors[""]} />
        </div>
        {canEdit ? (
          <div className="mt-4">
            <Button type="submit" busy={update.isPending}>
              Save settings
            </Button>
          </div>
        ) : (
          <p className="mt-3 text-sm text-slate-500">Only an admin can change a share.</p>
        )}
      </form>
    </Card>
  );
}
