"use client";
import { CheckboxField, SelectField, TextField } from "@/components/forms/fields";
import { type Form, optionalNumber } from "@/components/forms/use-form";

export const ROLE_OPTIONS = [
  { value: "user", label: "User — own profile only" },
  { value: "operator", label: "Operator — read all, start/stop adapters" },
  { value: "admin", label: "Admin — everything" },
] as const;

/** The label shared by the create, edit and reset-password dialogs. */
export const MUST_CHANGE_LABEL = "Must change password at next sign-in";

/**
 * The fields a user's create and edit dialogs share: UID and GID (empty on create: the next
 * free ones), role, enabled, and whether the next sign-in must change the password.
 */
export function UserAccountFields({ form, idsOptional = false }: { form: Form; idsOptional?: boolean }) {
  const hint = idsOptional ? "Empty: next free" : undefined;
  return (
    <>
      <div className="grid grid-cols-2 gap-3">
        <TextField label="UID" inputMode="numeric" hint={hint} {...form.text("uid")} />
        <TextField label="GID" inputMode="numeric" hint={hint} {...form.text("gid")} />
      </div>
      <SelectField label="Role" options={ROLE_OPTIONS} {...form.select("role")} />
      <CheckboxField label="Enabled" {...form.checkbox("enabled")} />
      <CheckboxField label={MUST_CHANGE_LABEL} {...form.checkbox("mustChangePassword")} />
    </>
  );
}

/** The API input of those fields, from the values as typed. */
export function userAccountInput(values: Form["values"]) {
  return {
    uid: optionalNumber(values.uid),
    gid: optionalNumber(values.gid),
    role: values.role,
    enabled: values.enabled,
    mustChangePassword: values.mustChangePassword,
  };
}
