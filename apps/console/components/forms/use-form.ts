"use client";
import { useCallback, useState } from "react";
import type { z } from "zod";
import { serverFieldErrors } from "@/lib/errors";

export type FieldErrors = Record<string, string>;

/** Key of a zod issue as forms name fields: "uid", or "config.bucket" for nested configs. */
function issueKey(path: readonly PropertyKey[]): string {
  return path.map(String).join(".");
}

/**
 * Form state validated with the same zod schema the API uses. Values are kept as typed by the
 * user; `parse(input)` validates the API input built from them and records one message per field,
 * returning the parsed value or null. Server errors land on the field they name.
 */
export function useForm<S extends z.ZodType>(schema: S, initial: Record<string, unknown>) {
  const [values, setValues] = useState<Record<string, unknown>>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});

  const set = useCallback((name: string, value: unknown) => {
    setValues((v) => ({ ...v, [name]: value }));
    setErrors((e) => {
      if (e[name] === undefined) return e;
      const { [name]: _, ...rest } = e;
      return rest;
    });
  }, []);

  const parse = useCallback(
    (input: unknown): z.output<S> | null => {
      const result = schema.safeParse(input);
      if (result.success) {
        setErrors({});
        return result.data;
      }
      const next: FieldErrors = {};
      for (const issue of result.error.issues) {
        const key = issueKey(issue.path);
        if (next[key] === undefined) next[key] = issue.message;
      }
      setErrors(next);
      return null;
    },
    [schema],
  );

  const setServerError = useCallback((err: unknown) => setErrors(serverFieldErrors(err)), []);
  const setFieldError = useCallback(
    (name: string, message: string) => setErrors((e) => ({ ...e, [name]: message })),
    [],
  );
  const reset = useCallback((v: Record<string, unknown>) => {
    setValues(v);
    setErrors({});
  }, []);

  /** Shorthand props for a text input bound to `name`. */
  const text = (name: string) => ({
    value: (values[name] as string | number | undefined) ?? "",
    onValue: (v: string) => set(name, v),
    error: errors[name],
  });

  /** Shorthand props for a select bound to `name`. */
  const select = (name: string) => ({
    value: String(values[name] ?? ""),
    onValue: (v: string) => set(name, v),
    error: errors[name],
  });

  /** Shorthand props for a checkbox bound to `name`. */
  const checkbox = (name: string) => ({
    checked: values[name] === true,
    onValue: (v: boolean) => set(name, v),
    error: errors[name],
  });

  return { values, errors, set, parse, setServerError, setFieldError, reset, text, select, checkbox };
}

export type Form = ReturnType<typeof useForm>;

/** "" → undefined, otherwise the number typed (NaN stays NaN so zod reports it). */
export function optionalNumber(v: unknown): number | undefined {
  if (v === undefined || v === null || String(v).trim() === "") return undefined;
  return Number(v);
}
