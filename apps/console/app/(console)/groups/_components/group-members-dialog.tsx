"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { FormError, SelectField } from "@/components/forms/fields";
import { Button } from "@/components/ui/button";
import { Dialog, DialogActions } from "@/components/ui/dialog";
import { Loading } from "@/components/ui/spinner";
import { useToast } from "@/components/ui/toast";
import { errorMessage } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";

export function GroupMembersDialog({
  name,
  canEdit,
  onClose,
}: {
  name: string;
  canEdit: boolean;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const toast = useToast();
  const [pick, setPick] = useState("");
  const group = useQuery(trpc.groups.get.queryOptions({ name }));
  const users = useQuery({ ...trpc.users.list.queryOptions(), enabled: canEdit });
  const settled = () => qc.invalidateQueries(trpc.groups.pathFilter());
  const add = useMutation(
    trpc.groups.addMember.mutationOptions({
      onSuccess: (_d, v) => {
        toast.success(`${v.username} added to ${name}`);
        setPick("");
      },
      onSettled: settled,
    }),
  );
  const remove = useMutation(
    trpc.groups.removeMember.mutationOptions({
      onSuccess: (_d, v) => toast.success(`${v.username} removed from ${name}`),
      onError: (e) => toast.error(errorMessage(e)),
      onSettled: settled,
    }),
  );
  const members = group.data?.members ?? [];
  const candidates = (users.data ?? []).filter((u) => !members.includes(u.username));
  return (
    <Dialog open onClose={onClose} title={`Members of ${name}`}>
      {group.isPending ? <Loading what="members" /> : null}
      {group.data && members.length === 0 ? <p className="text-sm text-slate-500">No members yet.</p> : null}
      <ul aria-label={`Members of ${name}`} className="divide-y divide-slate-100 dark:divide-slate-800">
        {members.map((m) => (
          <li key={m} className="flex items-center justify-between py-2 text-sm">
            <span>{m}</span>
            {canEdit ? (
              <Button
                size="sm"
                variant="secondary"
                aria-label={`Remove ${m}`}
                busy={remove.isPending && remove.variables?.username === m}
                onClick={() => remove.mutate({ name, username: m })}
              >
                Remove
              </Button>
            ) : null}
          </li>
        ))}
      </ul>
      {canEdit ? (
        <form
          className="mt-4 flex items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            if (pick !== "") add.mutate({ name, username: pick });
          }}
        >
          <SelectField
            className="flex-1"
            label="Add member"
            placeholder="Choose a user…"
            options={candidates.map((u) => ({ value: u.username, label: u.username }))}
            value={pick}
            onValue={setPick}
          />
          <Button type="submit" busy={add.isPending} disabled={pick === ""}>
            Add
          </Button>
        </form>
      ) : null}
      <div className="mt-2">
        <FormError error={add.error ? errorMessage(add.error) : undefined} />
      </div>
      <DialogActions>
        <Button variant="secondary" onClick={onClose}>
          Close
        </Button>
      </DialogActions>
    </Dialog>
  );
}
