"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useToast } from "@/components/ui/toast";
import { errorMessage } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";

/** Enabling/disabling is optimistic: the badge flips at once and rolls back if the daemon refuses. */
export function useUserToggle(listInput: { search: string } | undefined) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const toast = useToast();
  return useMutation(
    trpc.users.update.mutationOptions({
      onMutate: async (v) => {
        const key = trpc.users.list.queryKey(listInput);
        await qc.cancelQueries({ queryKey: key });
        const previous = qc.getQueryData(key);
        qc.setQueryData(key, (rows) =>
          rows?.map((u) => (u.username === v.username ? { ...u, enabled: v.enabled ?? u.enabled } : u)),
        );
        return { key, previous };
      },
      onSuccess: (_d, v) => toast.success(`${v.username} ${v.enabled ? "enabled" : "disabled"}`),
      onError: (e, _v, context) => {
        if (context) qc.setQueryData(context.key, context.previous);
        toast.error(errorMessage(e));
      },
      onSettled: () => qc.invalidateQueries(trpc.users.pathFilter()),
    }),
  );
}

export type UserToggle = ReturnType<typeof useUserToggle>;
