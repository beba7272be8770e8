import { type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, useId } from "react";

const CONTROL =
  "block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30 aria-[invalid=true]:border-rose-500 dark:border-slate-700 dark:bg-slate-950";

interface FieldShell {
  label: string;
  error?: string | undefined;
  hint?: ReactNode;
}

function Message({ id, error, hint }: { id: string; error?: string | undefined; hint?: ReactNode }) {
  if (error !== undefined) {
    return (
      <p id={id} className="mt-1 text-xs text-rose-600 dark:text-rose-400">
        {error}
      </p>
    );
  }
  if (hint !== undefined) {
    return (
      <p id={id} className="mt-1 text-xs text-slate-500 dark:text-slate-400">
        {hint}
      </p>
    );
  }
  return null;
}

/** Ids and ARIA wiring of one field: the control is described by its error, else its hint. */
function useFieldIds(error: string | undefined, hint: ReactNode) {
  const id = useId();
  const msg = `${id}-msg`;
  const aria = {
    "aria-invalid": error !== undefined,
    "aria-describedby": error !== undefined || hint !== undefined ? msg : undefined,
  };
  return { id, msg, aria };
}

/** Label above the control, message below: the frame of text, select and text-area fields. */
function LabeledField({
  id,
  msg,
  label,
  error,
  hint,
  className,
  children,
}: FieldShell & { id: string; msg: string; className: string; children: ReactNode }) {
  return (
    <div className={className}>
      <label htmlFor={id} className="mb-1 block text-sm font-medium">
        {label}
      </label>
      {children}
      <Message id={msg} error={error} hint={hint} />
    </div>
  );
}

type TextProps = FieldShell &
  Omit<InputHTMLAttributes<HTMLInputElement>, "onChange" | "value"> & {
    value: string | number | undefined;
    onValue: (v: string) => void;
    /** Lines of a multi-line, monospace text area (JSON settings) instead of a one-line input. */
    rows?: number;
  };

export function TextField({ label, error, hint, value, onValue, rows, className = "", ...rest }: TextProps) {
  const { id, msg, aria } = useFieldIds(error, hint);
  const bound = { id, value: value ?? "", ...aria };
  return (
    <LabeledField {...{ id, msg, label, error, hint, className }}>
      {rows === undefined ? (
        <input {...rest} {...bound} onChange={(e) => onValue(e.target.value)} className={CONTROL} />
      ) : (
        <textarea
          rows={rows}
          {...bound}
          onChange={(e) => onValue(e.target.value)}
          className={`${CONTROL} font-mono text-xs`}
        />
      )}
    </LabeledField>
  );
}

type SelectProps = FieldShell &
  Omit<SelectHTMLAttributes<HTMLSelectElement>, "onChange" | "value"> & {
    value: string | undefined;
    onValue: (v: string) => void;
    options: readonly { value: string; label: string }[];
    placeholder?: string;
  };

export function SelectField({
  label,
  error,
  hint,
  value,
  onValue,
  options,
  placeholder,
  className = "",
  ...rest
}: SelectProps) {
  const { id, msg, aria } = useFieldIds(error, hint);
  return (
    <LabeledField {...{ id, msg, label, error, hint, className }}>
      <select
        id={id}
        {...rest}
        value={value ?? ""}
        onChange={(e) => onValue(e.target.value)}
        {...aria}
        className={CONTROL}
      >
        {placeholder !== undefined ? <option value="">{placeholder}</option> : null}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </LabeledField>
  );
}

export function CheckboxField({
  label,
  error,
  hint,
  checked,
  onValue,
  disabled,
}: FieldShell & { checked: boolean; onValue: (v: boolean) => void; disabled?: boolean }) {
  const { id, msg, aria } = useFieldIds(error, hint);
  return (
    <div>
      <div className="flex items-center gap-2">
        <input
          id={id}
          type="checkbox"
          checked={checked}
          disabled={disabled}
          onChange={(e) => onValue(e.target.checked)}
          {...aria}
          className="h-4 w-4 rounded border-slate-300 accent-indigo-600"
        />
        <label htmlFor={id} className="text-sm">
          {label}
        </label>
      </div>
      <Message id={msg} error={error} hint={hint} />
    </div>
  );
}

/** The error that names no field, shown above the buttons. */
export function FormError({ error }: { error?: string | undefined }) {
  if (error === undefined) return null;
  return (
    <p
      role="alert"
      className="rounded-md bg-rose-50 p-2 text-sm text-rose-700 dark:bg-rose-950 dark:text-rose-300"
    >
      {error}
    </p>
  );
}
