/**
 * Metadata and block store configs. The `config` object is checked against the schema of its
 * `type`, and issues are reported at `config.<key>` so a form can mark the right input.
 */
import { z } from "zod";
import { jsonObjectSchema, storeNameSchema } from "./primitives.ts";

export const metadataStoreTypeSchema = z.enum(["memory", "sqlite", "postgres"]);
export const blockStoreTypeSchema = z.enum(["memory", "fs", "s3"]);

const pathConfig = z.object({ path: z.string().min(1, "required").max(4096) });

export const metadataStoreConfigSchemas = {
  memory: z.object({}),
  sqlite: pathConfig,
  postgres: z.object({ url: z.string().regex(/^postgres(ql)?:\/\//, "a postgres:// URL") }),
} as const;

export const s3ConfigSchema = z.object({
  bucket: z.string().min(3, "3 to 63 characters").max(63, "3 to 63 characters"),
  region: z.string().max(64).optional(),
  endpoint: z.url().optional(),
  prefix: z.string().max(512).optional(),
  accessKeyId: z.string().max(256).optional(),
  secretAccessKey: z.string().max(256).optional(),
  forcePathStyle: z.boolean().optional(),
});

export const blockStoreConfigSchemas = {
  memory: z.object({}),
  fs: pathConfig,
  s3: s3ConfigSchema,
} as const;

type ConfigSchemas = Record<string, z.ZodType<Record<string, unknown>>>;

/** Validates `config` against the schema of `type`, reporting issues under `config.*`. */
function checkConfig(schemas: ConfigSchemas) {
  return (value: { type?: string; config?: Record<string, unknown> }, ctx: z.RefinementCtx) => {
    if (value.type === undefined || value.config === undefined) return;
    const schema = schemas[value.type];
    if (schema === undefined) return;
    const r = schema.safeParse(value.config);
    if (r.success) return;
    for (const issue of r.error.issues) {
      ctx.addIssue({ code: "custom", message: issue.message, path: ["config", ...issue.path] });
    }
  };
}

const checkMetadataConfig = checkConfig(metadataStoreConfigSchemas);
const checkBlockConfig = checkConfig(blockStoreConfigSchemas);

export const storeNameInput = z.object({ name: storeNameSchema });

export const metadataStoreCreateInput = z
  .object({ name: storeNameSchema, type: metadataStoreTypeSchema, config: jsonObjectSchema.default({}) })
  .superRefine(checkMetadataConfig);

export const blockStoreCreateInput = z
  .object({ name: storeNameSchema, type: blockStoreTypeSchema, config: jsonObjectSchema.default({}) })
  .superRefine(checkBlockConfig);

/** `type` may change along with `config`; a config alone is checked against the stored type. */
export const metadataStoreUpdateInput = z
  .object({
    name: storeNameSchema,
    type: metadataStoreTypeSchema.optional(),
    config: jsonObjectSchema.optional(),
  })
  .superRefine(checkMetadataConfig);

export const blockStoreUpdateInput = z
  .object({
    name: storeNameSchema,
    type: blockStoreTypeSchema.optional(),
    config: jsonObjectSchema.optional(),
  })
  .superRefine(checkBlockConfig);

export const blockStoreTestInput = z
  .object({ type: blockStoreTypeSchema, config: jsonObjectSchema.default({}) })
  .superRefine(checkBlockConfig);

export type MetadataStoreType = z.infer<typeof metadataStoreTypeSchema>;
export type BlockStoreType = z.infer<typeof blockStoreTypeSchema>;
export type MetadataStoreCreateInput = z.infer<typeof metadataStoreCreateInput>;
export type BlockStoreCreateInput = z.infer<typeof blockStoreCreateInput>;
export type MetadataStoreUpdateInput = z.infer<typeof metadataStoreUpdateInput>;
export type BlockStoreUpdateInput = z.infer<typeof blockStoreUpdateInput>;
export type BlockStoreTestInput = z.infer<typeof blockStoreTestInput>;
