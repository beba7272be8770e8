"use client";
import type { ReactNode } from "react";
import { FormError } from "../forms/fields";
import { Button } from "../ui/button";
import { Dialog, DialogActions } from "../ui/dialog";

/** Asks before a destructive action; shows the server's refusal (e.g. "store in use") in place. */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  busy,
  error,
  onConfirm,
  onClose,
}: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  busy: boolean;
  error?: string | undefined;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Dialog open={open} onClose={onClose} title={title}>
      <div className="space-y-3 text-sm">{children}</div>
      <div className="mt-3">
        <FormError error={error} />
      </div>
      <DialogActions>
        <Button variant="secondary" onClick={onClose}>
          Cancel
        </Button>
        <Button variant="danger" busy={busy} onClick={onConfirm}>
          {confirmLabel}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
