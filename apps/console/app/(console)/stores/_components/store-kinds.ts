/** What each store type needs in its config, for the type-specific forms and the list summary. */
export type StoreKind = "metadata" | "block";

export interface ConfigField {
  key: string;
  label: string;
  placeholder?: string;
  secret?: boolean;
  hint?: string;
  optional?: boolean;
  kind?: "text" | "checkbox";
}

export const STORE_TYPES: Record<StoreKind, { value: string; label: string; fields: ConfigField[] }[]> = {
  metadata: [
    {
      value: "sqlite",
      label: "SQLite (file)",
      fields: [{ key: "path", label: "SQLite file path", placeholder: "/var/lib/dittofs/meta.db" }],
    },
    {
      value: "postgres",
      label: "PostgreSQL",
      fields: [
        {
          key: "url",
          label: "PostgreSQL URL",
          placeholder: "postgres://user:password@host:5432/db",
          secret: true,
        },
      ],
    },
    { value: "memory", label: "Memory (lost on restart)", fields: [] },
  ],
  block: [
    {
      value: "fs",
      label: "Local filesystem",
      fields: [{ key: "path", label: "Directory path", placeholder: "/var/lib/dittofs/blocks" }],
    },
    {
      value: "s3",
      label: "S3 / S3-compatible",
      fields: [
        { key: "bucket", label: "Bucket", placeholder: "my-bucket" },
        { key: "region", label: "Region", placeholder: "us-east-1", optional: true },
        {
          key: "endpoint",
          label: "Endpoint URL",
          placeholder: "https://s3.example.com",
          optional: true,
          hint: "Empty for AWS",
        },
        { key: "prefix", label: "Key prefix", placeholder: "dittofs/", optional: true },
        { key: "accessKeyId", label: "Access key ID", optional: true },
        { key: "secretAccessKey", label: "Secret access key", secret: true, optional: true },
        {
          key: "forcePathStyle",
          label: "Path-style addressing (MinIO and most non-AWS servers)",
          kind: "checkbox",
          optional: true,
        },
      ],
    },
    { value: "memory", label: "Memory (lost on restart)", fields: [] },
  ],
};

export function fieldsOf(kind: StoreKind, type: string): ConfigField[] {
  return STORE_TYPES[kind].find((t) => t.value === type)?.fields ?? [];
}

/** Hides the password of a URL like postgres://user:secret@host/db. */
function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, "$1•••@");
}

type Config = Record<string, unknown>;
const str = (c: Config, k: string): string => (typeof c[k] === "string" ? (c[k] as string) : "");

const SUMMARIES: Record<string, (c: Config) => string> = {
  sqlite: (c) => str(c, "path"),
  fs: (c) => str(c, "path"),
  postgres: (c) => redactUrl(str(c, "url")),
  s3: (c) =>
    [
      `s3://${str(c, "bucket")}/${str(c, "prefix")}`,
      str(c, "endpoint") && `at ${str(c, "endpoint")}`,
      str(c, "region"),
    ]
      .filter(Boolean)
      .join(" "),
};

export function configSummary(type: string, config: Config): string {
  return SUMMARIES[type]?.(config) ?? "in memory";
}
