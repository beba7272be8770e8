"use client";
import type { ReactNode } from "react";
import { FormError } from "@/components/forms/fields";
import { Button } from "@/components/ui/button";
import { Dialog, DialogActions } from "@/components/ui/dialog";

/**
 * The frame every create/edit dialog shares: a modal with one form (validated by our zod
 * schemas, so the browser's own validation is off), the error that names no field, then Cancel
 * and the submit button, which shows `busy` while the mutation runs.
 */
export function FormDialog({
  title,
  onClose,
  onSubmit,
  submitLabel,
  busy,
  error,
  open = true,
  wide = false,
  footer,
  children,
}: {
  title: string;
  onClose: () => void;
  onSubmit: () => void;
  submitLabel: string;
  busy: boolean;
  /** The form-level error (one that names no field). */
  error?: string | undefined;
  open?: boolean;
  wide?: boolean;
  /** Shown under the error, above the buttons (e.g. a connection test). */
  footer?: ReactNode;
  children: ReactNode;
}) {
  return (
    <Dialog open={open} onClose={onClose} title={title} wide={wide}>
      <form
        noValidate
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit();
        }}
      >
        {children}
        <FormError error={error} />
        {footer}
        <DialogActions>
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" busy={busy}>
            {submitLabel}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
