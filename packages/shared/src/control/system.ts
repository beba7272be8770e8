/** Inputs of the adapters, clients, settings and audit procedures. */
import { z } from "zod";
import { adapterTypeSchema, jsonObjectSchema, NAME_LENGTH_MAX, portSchema } from "./primitives.ts";

export const adapterTypeInput = z.object({ type: adapterTypeSchema });

/** A connected client's id as clients.list gives it (a UUID). */
export const clientIdInput = z.object({ id: z.string().min(1).max(64) });

export const adapterCreateInput = z.object({
  type: adapterTypeSchema,
  port: portSchema,
  enabled: z.boolean().optional(),
  settings: jsonObjectSchema.optional(),
});

export const adapterUpdateInput = z.object({
  type: adapterTypeSchema,
  port: portSchema.optional(),
  enabled: z.boolean().optional(),
  settings: jsonObjectSchema.optional(),
});

/** Most settings a single update may carry; keeps one request from writing an unbounded batch. */
export const SETTINGS_PER_UPDATE_MAX = 100;
export const settingKeySchema = z
  .string()
  .min(1)
  .max(NAME_LENGTH_MAX)
  .regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, "letters, digits, '_', '.', '-'");
export const settingValueSchema = z.union([z.string().max(4096), z.number(), z.boolean(), z.null()]);

/** Keys with a `null` value are removed. */
export const settingsUpdateInput = z.object({
  values: z
    .record(settingKeySchema, settingValueSchema)
    .refine(
      (v) => Object.keys(v).length <= SETTINGS_PER_UPDATE_MAX,
      `at most ${SETTINGS_PER_UPDATE_MAX} keys`,
    ),
});

export const AUDIT_PAGE_MAX = 500;
export const auditListInput = z
  .object({
    actor: z.string().max(NAME_LENGTH_MAX).optional(),
    action: z.string().max(128).optional(),
    since: z.coerce.date().optional(),
    limit: z.number().int().min(1).max(AUDIT_PAGE_MAX).optional(),
    /** The `id` of the last row of the previous page (rows come newest first). */
    cursor: z.number().int().min(1).optional(),
  })
  .optional();

export type AdapterCreateInput = z.infer<typeof adapterCreateInput>;
export type AdapterUpdateInput = z.infer<typeof adapterUpdateInput>;
export type SettingValue = z.infer<typeof settingValueSchema>;
export type SettingsUpdateInput = z.infer<typeof settingsUpdateInput>;
export type AuditListInput = z.infer<typeof auditListInput>;

/** Longest start-failure text kept for an adapter (an OS error message is far shorter). */
export const ADAPTER_ERROR_LENGTH_MAX = 1024;

/**
 * Why an adapter's latest start failed (port in use, bad settings), and when. Part of the
 * adapter status until the next successful start clears it.
 */
export const adapterErrorSchema = z.object({
  message: z.string().max(ADAPTER_ERROR_LENGTH_MAX),
  at: z.date(),
});
export type AdapterError = z.infer<typeof adapterErrorSchema>;

/** Longest daemon name (a DNS label's limit, so it fits hostnames, pod names and metric labels). */
export const DAEMON_NAME_LENGTH_MAX = 63;
export const daemonNameSchema = z
  .string()
  .min(1)
  .max(DAEMON_NAME_LENGTH_MAX)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, '.', '_', '-' (starting with a letter or digit)");

/**
 * Which daemon this is when several serve the same shares (scale-out): `id` is random, made once
 * and kept in the data dir; `name` is the configured `daemon.name`, else `<hostname>-<id prefix>`.
 */
export interface DaemonIdentity {
  id: string;
  name: string;
  hostname: string;
}

/** The time ranges the console's picker offers; the daemon keeps 1 h at 1 s and 24 h at 10 s. */
export const METRICS_RANGES_SECONDS = [300, 900, 3600, 21_600, 86_400] as const;

export const metricsHistoryInput = z.object({
  rangeSeconds: z
    .number()
    .int()
    .min(60, "at least 60 seconds")
    .max(86_400, "at most 86400 seconds (24 h of history is kept)"),
});
