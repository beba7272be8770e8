"use client";
import { sharePermissionSetInput } from "@dittofs/shared";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { FormError, SelectField } from "@/components/forms/fields";
import { useForm } from "@/components/forms/use-form";
import { DataTable } from "@/components/tables/table";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, EmptyState } from "@/components/ui/card";
import { Loading } from "@/components/ui/spinner";
import { useToast } from "@/components/ui/toast";
import { errorMessage } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";

const LEVELS = [
  { value: "read", label: "read" },
  { value: "read-write", label: "read-write" },
  { value: "admin", label: "admin" },
  { value: "none", label: "none (deny)" },
] as const;

const SUBJECT_KINDS = [
  { value: "user", label: "User" },
  { value: "group", label: "Group" },
] as const;

export function SharePermissions({ name, canEdit }: { name: string; canEdit: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const toast = useToast();
  const perms = useQuery(trpc.shares.permissions.list.queryOptions({ name }));
  const settled = () => qc.invalidateQueries(trpc.shares.permissions.pathFilter());
  const remove = useMutation(
    trpc.shares.permissions.remove.mutationOptions({
      onSuccess: (_d, v) => toast.success(`Permission of ${v.user ?? v.group} removed`),
      onError: (e) => toast.error(errorMessage(e)),
      onSettled: settled,
    }),
  );
  if (perms.isPending) return <Loading what="permissions" />;
  const rows = perms.data ?? [];
  return (
    <div className="space-y-4">
      {rows.length === 0 ? (
        <EmptyState title="No permissions granted">
          Grant a user or a group access so they can mount this share.
        </EmptyState>
      ) : (
        <DataTable
          label="Permissions"
          rows={rows}
          rowKey={(p) => `${p.user !== null ? "u" : "g"}:${p.user ?? p.group}`}
          columns={[
            {
              header: "Subject",
              sort: (p) => p.user ?? p.group,
              cell: (p) => <span className="font-medium">{p.user ?? p.group}</span>,
            },
            {
              header: "Kind",
              sort: (p) => (p.user !== null ? "user" : "group"),
              cell: (p) => (p.user !== null ? "user" : "group"),
            },
            {
              header: "Level",
              sort: (p) => p.level,
              cell: (p) => <Badge tone={p.level === "none" ? "red" : "indigo"}>{p.level}</Badge>,
            },
            ...(canEdit
              ? [
                  {
                    header: "Actions",
                    className: "text-right",
                    cell: (p: (typeof rows)[number]) => (
                      <Button
                        size="sm"
                        variant="secondary"
                        aria-label={`Remove permission of ${p.user ?? p.group}`}
                        onClick={() =>
                          remove.mutate(
                            p.user !== null ? { name, user: p.user } : { name, group: p.group ?? "" },
                          )
                        }
                      >
                        Remove
                      </Button>
                    ),
                  },
                ]
              : []),
          ]}
        />
      )}
      {canEdit ? <GrantForm name={name} /> : null}
    </div>
  );
}

function GrantForm({ name }: { name: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const toast = useToast();
  const form = useForm(sharePermissionSetInput, { kind: "user", subject: "", level: "read-write" });
  const users = useQuery(trpc.users.list.queryOptions());
  const groups = useQuery(trpc.groups.list.queryOptions());
  const set = useMutation(
    trpc.shares.permissions.set.mutationOptions({
      onSuccess: (_d, v) => {
        toast.success(`${v.user ?? v.group} now has ${v.level} on ${name}`);
        form.set("subject", "");
      },
      onError: form.setServerError,
      onSettled: () => qc.invalidateQueries(trpc.shares.permissions.pathFilter()),
    }),
  );
  const v = form.values;
  const subjects =
    v.kind === "user"
      ? (users.data ?? []).map((u) => ({ value: u.username, label: u.username }))
      : (groups.data ?? []).map((g) => ({ value: g.name, label: g.name }));
  return (
    <Card title="Grant access">
      <form
        noValidate
        className="grid items-start gap-3 sm:grid-cols-[8rem_1fr_10rem_auto]"
        onSubmit={(e) => {
          e.preventDefault();
          const subject = String(v.subject) === "" ? undefined : String(v.subject);
          const input = form.parse({
            name,
            level: v.level,
            ...(v.kind === "user" ? { user: subject } : { group: subject }),
          });
          if (input) set.mutate(input);
        }}
      >
        <SelectField
          label="Kind"
          options={SUBJECT_KINDS}
          value={String(v.kind)}
          onValue={(x) => {
            form.set("kind", x);
            form.set("subject", "");
          }}
        />
        <SelectField
          label={v.kind === "user" ? "User" : "Group"}
          placeholder="Choose…"
          options={subjects}
          value={String(v.subject)}
          onValue={(x) => form.set("subject", x)}
          error={form.errors.user ?? form.errors.group ?? form.errors.subject}
        />
        <SelectField
          label="Level"
          options={LEVELS}
          value={String(v.level)}
          onValue={(x) => form.set("level", x)}
          error={form.errors.level}
        />
        <Button type="submit" className="sm:mt-6" busy={set.isPending}>
          Grant
        </Button>
      </form>
      <div className="mt-2">
        <FormError error={form.errors[""] ?? form.errors.name} />
      </div>
    </Card>
  );
}
